/**
 * Electron entry: lifecycle only. Everything Parley does lives in the Electron-free
 * core (src/main/core), which browser mode runs too; this file wires it to a window.
 *
 *   parley [--server ws://HOST:PORT] [--profile DIR]
 *
 * The chat server is --server, else the profile's saved server address (Settings),
 * else the embedded one run in this process with its data in userData/server. The
 * default profile is userData/profile.
 */
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, dialog, Menu, nativeImage, nativeTheme, Notification, screen, session, Tray, type BrowserWindow } from 'electron'
import { bridgeEvent, type BridgeEvents, type EmitEvent, type MenuCommand, type Settings } from '../../shared/bridge'
import { logger } from '../../shared/log'
import { APP_ENTRY_URL, APP_ORIGIN, originOf } from './app-url'
import { registerAppScheme, serveAppProtocol } from './app-protocol'
import { parseClientArgs, type ClientArgs } from '../common/args'
import { createCore, type ParleyCore } from '../core/core'
import { readProfileSettings } from '../core/services/settings'
import { DesktopNotifier } from '../desktop/notifier'
import { TRAY_ICON, UnreadTray } from '../desktop/tray'
import { minimumSize, readWindowState, restoredBounds, trackWindowState, WINDOW_STATE_FILE } from '../desktop/window-state'
import { useEmbeddedServer, type EmbeddedServer } from '../desktop/embedded-server'
import { registerBridge, windowEmitter } from './ipc'
import { desktopTokenVault } from './keychain'
import { findElectronNativeBinding } from '../desktop/native'
import { menuLanguage, menuTemplate } from '../desktop/menu'
import { hardenAllWebContents, hardenSession } from './security'
import { createMainWindow, focusWindow } from './window'

const log = logger('main')
/**
 * Where renderer/ and preload/ are: built, this file is out/main/index.js beside them; run
 * from source (the fake-Electron test), it is src/main/electron/index.ts and src/ has the
 * renderer's page.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
const outDir = here.endsWith(path.join('main', 'electron')) ? path.resolve(here, '..', '..') : path.dirname(here)

let args: ClientArgs
try {
  // Electron, Chromium and Playwright put switches of their own in argv; only ours are read.
  args = parseClientArgs(process.argv.slice(1))
} catch (err) {
  process.stderr.write(`parley: ${(err as Error).message}\n`)
  process.exit(2)
}

const baseUserData = app.getPath('userData')
const profileDir = path.resolve(args.profile ?? path.join(baseUserData, 'profile'))
if (args.profile !== null) {
  // Chromium's own state and the single-instance lock follow userData: a second
  // identity gets its own, kept outside the profile so the profile holds only Parley data.
  const key = createHash('sha256').update(profileDir).digest('hex').slice(0, 16)
  app.setPath('userData', path.join(baseUserData, 'instances', key))
}

registerAppScheme()

const devRendererUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null
const appOrigin = devRendererUrl ? (originOf(devRendererUrl) ?? APP_ORIGIN) : APP_ORIGIN
hardenAllWebContents(appOrigin)

let win: BrowserWindow | null = null
let core: ParleyCore | null = null
let server: EmbeddedServer | null = null
let unregisterBridge: (() => void) | null = null
let clockOffsetMs = 0
let menuLang: string | null = null
let tray: { icon: Tray; unread: UnreadTray } | null = null
const resourcesDir = path.join(app.getAppPath(), 'resources')

const toWindow = windowEmitter(() => win)
const notifier = new DesktopNotifier({
  create: (content) =>
    Notification.isSupported() ? new Notification({ title: content.title, body: content.body }) : null,
  focused: () => win?.isFocused() ?? false,
  now: () => Date.now() + clockOffsetMs,
  open: (conversationId, messageId) => void showInWindow('ui:open-conversation', { conversationId, messageId }),
  setBadge: (count) => {
    app.setBadgeCount(count)
    tray?.unread.setUnread(count)
  },
})

/** Everything the core tells the renderer also drives the notifications, badge, menu and theme. */
const emit: EmitEvent = (name, payload) => {
  toWindow(name, payload)
  const event = bridgeEvent(name, payload)
  notifier.onEvent(event)
  if (event.name === 'settings:changed') applySettings(event.payload.settings)
  if (event.name === 'connection:changed' && event.payload.state === 'online') void refreshClockOffset()
}

if (!app.requestSingleInstanceLock()) {
  log.info({ profileDir }, 'Parley is already running with this profile; focusing it')
  app.quit()
} else {
  app.on('second-instance', () => focusWindow(win))
  app.whenReady().then(start).catch(failStart)
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => {
    if (win === null && core !== null) void openWindow().catch(failStart)
  })
  installQuitCleanup()
}

async function start(): Promise<void> {
  const native = findElectronNativeBinding(app.getAppPath(), {
    electron: process.versions.electron,
    platform: process.platform,
    arch: process.arch,
    betterSqlite3: (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version,
  })
  if (!native.ok) log.warn({ reason: native.reason }, 'using better-sqlite3 from node_modules as is')
  const nativeBinding = native.ok ? native.path : undefined

  mkdirSync(profileDir, { recursive: true, mode: 0o700 })
  const saved = readProfileSettings({ profileDir, nativeBinding })
  const chosenServer = args.server ?? saved.serverUrl?.replace(/\/+$/, '') ?? null
  if (chosenServer === null) server = await useEmbeddedServer(path.join(baseUserData, 'server'), nativeBinding)
  const serverUrl = chosenServer ?? server!.url

  hardenSession(session.defaultSession, appOrigin, { dev: devRendererUrl !== null })
  serveAppProtocol(session.defaultSession, path.join(outDir, 'renderer'))
  createTray()
  applySettings(saved)

  core = await createCore({ profileDir, serverUrl, emit, nativeBinding, tokenVault: await desktopTokenVault() })
  unregisterBridge = registerBridge(core.handlers, () => win, appOrigin)
  await core.start()
  await seedNotifier(core, saved)
  log.info({ profileDir, serverUrl, embedded: server?.owned ?? false }, 'Parley started')
  await openWindow()
}

async function seedNotifier(started: ParleyCore, saved: Settings): Promise<void> {
  const [settings, conversations] = await Promise.all([
    started.handlers.getSettings({}),
    started.handlers.listConversations({}),
  ])
  notifier.seed(settings.ok ? settings.value : saved, conversations.ok ? conversations.value : [])
  await refreshClockOffset()
}

async function refreshClockOffset(): Promise<void> {
  const state = await core?.handlers.getSession({})
  if (state?.ok) clockOffsetMs = state.value.serverClockOffsetMs
}

/** The tray icon with the unread state; some Linux desktops have none, and Parley works without it. */
function createTray(): void {
  try {
    const icon = new Tray(nativeImage.createFromPath(path.join(resourcesDir, TRAY_ICON)))
    icon.on('click', () => void showWindow())
    const unread = new UnreadTray(
      {
        setImage: (file) => icon.setImage(nativeImage.createFromPath(file)),
        setToolTip: (text) => icon.setToolTip(text),
        setMenu: (template) => icon.setContextMenu(Menu.buildFromTemplate(template)),
      },
      resourcesDir,
      { open: () => void showWindow(), quit: () => app.quit() },
    )
    tray = { icon, unread }
  } catch (err) {
    log.warn({ err }, 'no tray icon on this desktop')
  }
}

function applySettings(settings: Settings): void {
  nativeTheme.themeSource = settings.theme
  const language = menuLanguage(settings.language, app.getLocale())
  tray?.unread.setLanguage(language)
  if (language === menuLang) return
  menuLang = language
  const template = menuTemplate({
    platform: process.platform,
    language,
    dev: !app.isPackaged,
    onCommand: (command: MenuCommand) => void showInWindow('ui:menu-command', { command }),
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

/** Bring the window up, re-opening it on macOS (where the app outlives it) or from the tray. */
async function showWindow(): Promise<void> {
  if (win === null && core !== null) await openWindow()
  focusWindow(win)
}

/** Bring the window up and tell the renderer. */
async function showInWindow<E extends 'ui:menu-command' | 'ui:open-conversation'>(
  event: E,
  payload: BridgeEvents[E],
): Promise<void> {
  await showWindow()
  toWindow(event, payload)
}

async function openWindow(): Promise<void> {
  // userData is per profile (see above), so each identity remembers its own window.
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE)
  const workAreas = screen.getAllDisplays().map((d) => d.workArea)
  win = createMainWindow({
    preloadPath: path.join(outDir, 'preload', 'index.cjs'),
    iconPath: path.join(resourcesDir, 'icon.png'),
    bounds: restoredBounds(readWindowState(stateFile), workAreas),
    minSize: minimumSize(workAreas),
  })
  trackWindowState(win, stateFile, (err) => log.warn({ err }, 'window position not saved'))
  win.on('closed', () => {
    win = null
  })
  await win.loadURL(devRendererUrl ?? APP_ENTRY_URL)
}

function installQuitCleanup(): void {
  let state: 'running' | 'closing' | 'closed' = 'running'
  app.on('before-quit', (event) => {
    if (state === 'closed') return
    event.preventDefault()
    if (state === 'closing') return
    state = 'closing'
    void closeAll().finally(() => {
      state = 'closed'
      app.quit()
    })
  })
}

async function closeAll(): Promise<void> {
  unregisterBridge?.()
  notifier.dispose()
  tray?.icon.destroy()
  tray = null
  try {
    await core?.close()
  } catch (err) {
    log.error({ err }, 'closing the client core failed')
  }
  try {
    await server?.close()
  } catch (err) {
    log.error({ err }, 'closing the embedded server failed')
  }
}

function failStart(err: unknown): void {
  log.fatal({ err }, 'Parley failed to start')
  dialog.showErrorBox('Parley could not start', err instanceof Error ? err.message : String(err))
  void closeAll().finally(() => app.exit(1))
}
