/**
 * The desktop app's place on the desktop: application menu with the usual shortcuts,
 * tray icon with unread state, dock/taskbar badge, notifications (closed again when
 * their message is withdrawn) and the window's remembered position. It listens to the
 * core's events on their way to the window; the Electron-free parts live beside it
 * (menu.ts, unread.ts, notifier.ts, window-state.ts) and are tested without Electron.
 */
import path from 'node:path'
import { app, Menu, nativeImage, Notification, screen, Tray, type BrowserWindow } from 'electron'
import { DEFAULT_SETTINGS, type EmitEvent, type EventName, type MenuCommand, type ParleyBridge, type Settings } from '../../shared/bridge'
import { logger } from '../../shared/log'
import { desktopLabels, resolveLanguage, type DesktopLabels } from './labels'
import { menuTemplate, trayMenuTemplate } from './menu'
import { DesktopNotifier } from './notifier'
import { trayState, UnreadTracker } from './unread'
import { debounce, readWindowState, restoredBounds, WINDOW_STATE_FILE, writeWindowState, type Bounds } from './window-state'

const log = logger('desktop')
const SAVE_WINDOW_STATE_MS = 500

export interface DesktopOptions {
  /** Where tray.png and tray-unread.png are. */
  resourcesDir: string
  /** Per-profile Electron state directory (window-state.json goes there). */
  stateDir: string
  dev: boolean
  getWindow(): BrowserWindow | null
  /** Show (create if needed), restore and focus the window. */
  showWindow(): void
  /** Send an event to the window. */
  toWindow: EmitEvent
}

export interface Desktop {
  /** The core's event sink: desktop integration sees each event, then the window gets it. */
  emit: EmitEvent
  /** After the core started: settings and unread counts as they stand. */
  start(core: { handlers: Pick<ParleyBridge, 'getSettings' | 'listConversations'> }): Promise<void>
  /** Size and position for a new window (restored where it is still on a display). */
  windowBounds(): Partial<Bounds> & { width: number; height: number }
  /** Remember this window's size and position from now on; maximizes it if it was. */
  trackWindow(win: BrowserWindow): void
  dispose(): void
}

export function createDesktop(opts: DesktopOptions): Desktop {
  let settings: Settings = { ...DEFAULT_SETTINGS }
  let labels: DesktopLabels = desktopLabels(resolveLanguage(settings.language, app.getLocale()))
  let tray: Tray | null = null
  let unreadTotal = 0
  let listConversations: (() => ReturnType<ParleyBridge['listConversations']>) | null = null
  const stateFile = path.join(opts.stateDir, WINDOW_STATE_FILE)

  const command = (c: MenuCommand): void => {
    opts.showWindow()
    opts.toWindow('ui:menu-command', { command: c })
  }

  function applyMenus(): void {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, labels, dev: opts.dev, command })))
    tray?.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(labels, { open: opts.showWindow, quit: () => app.quit() })))
    applyUnread()
  }

  function applyUnread(): void {
    const state = trayState(unreadTotal, labels)
    if (tray) {
      tray.setToolTip(state.tooltip)
      tray.setImage(nativeImage.createFromPath(path.join(opts.resourcesDir, state.unread ? 'tray-unread.png' : 'tray.png')))
    }
    // Dock on macOS, Unity launchers on Linux; elsewhere a no-op.
    app.setBadgeCount(unreadTotal)
  }

  function createTray(): void {
    try {
      tray = new Tray(nativeImage.createFromPath(path.join(opts.resourcesDir, 'tray.png')))
      tray.on('click', opts.showWindow)
    } catch (err) {
      // Some Linux desktops have no tray area; everything else works without it.
      log.warn({ err: (err as Error).message }, 'no tray icon')
      tray = null
    }
  }

  const unread = new UnreadTracker((total) => {
    unreadTotal = total
    applyUnread()
  })

  const notifier = new DesktopNotifier({
    create(content, handlers) {
      const n = new Notification({ title: content.title, body: content.body })
      n.on('click', () => {
        handlers.onClick()
        handlers.onGone()
      })
      n.on('close', handlers.onGone)
      return n
    },
    isFocused: () => opts.getWindow()?.isFocused() ?? false,
    now: () => Date.now(),
    open(conversationId, messageId) {
      opts.showWindow()
      opts.toWindow('ui:open-conversation', { conversationId, messageId })
    },
  })

  function onSettings(next: Settings): void {
    const languageChanged = next.language !== settings.language
    settings = next
    notifier.setSettings(next)
    if (languageChanged) {
      labels = desktopLabels(resolveLanguage(next.language, app.getLocale()))
      applyMenus()
    }
  }

  async function reseed(): Promise<void> {
    const listed = await listConversations?.()
    if (!listed?.ok) return
    unread.seed(listed.value)
    notifier.seedConversations(listed.value)
  }

  const emit: EmitEvent = (name, payload) => {
    try {
      if (Notification.isSupported()) notifier.onEvent(name, payload)
      unread.onEvent(name, payload)
      if (name === 'settings:changed') onSettings((payload as { settings: Settings }).settings)
      if (name === 'session:changed' && (payload as { user: string | null }).user !== null) void reseed()
    } catch (err) {
      log.error({ err, event: name as EventName }, 'desktop integration failed on an event')
    }
    opts.toWindow(name, payload)
  }

  return {
    emit,
    async start(core) {
      listConversations = () => core.handlers.listConversations({})
      createTray()
      const stored = await core.handlers.getSettings({})
      if (stored.ok) onSettings(stored.value)
      applyMenus()
      await reseed()
    },
    windowBounds() {
      return restoredBounds(
        readWindowState(stateFile),
        screen.getAllDisplays().map((d) => d.workArea),
      )
    },
    trackWindow(win) {
      if (readWindowState(stateFile)?.maximized) win.maximize()
      const save = debounce(() => {
        if (win.isDestroyed() || win.isMinimized()) return
        try {
          writeWindowState(stateFile, { bounds: win.getNormalBounds(), maximized: win.isMaximized() })
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'window position not saved')
        }
      }, SAVE_WINDOW_STATE_MS)
      win.on('move', save.trigger)
      win.on('resize', save.trigger)
      win.on('maximize', save.trigger)
      win.on('unmaximize', save.trigger)
      win.on('close', save.flush)
    },
    dispose() {
      notifier.dispose()
      tray?.destroy()
      tray = null
    },
  }
}
