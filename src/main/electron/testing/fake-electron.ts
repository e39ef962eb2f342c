/**
 * A fake of the `electron` module, so the real Electron entry (src/main/electron/index.ts)
 * runs under plain Node where no Electron binary exists. It implements the part of
 * Electron's API the entry uses, each piece checked against Electron's own types
 * (`satisfies` / `implements`), and reports what the entry asks of it as one
 * `FAKE-ELECTRON {json}` line on stdout per call. What plays the renderer is a test's
 * scenario (see electron-main.scenario.ts), given the hooks in `fake`.
 *
 * Loaded in place of `electron` by fake-electron-register.mjs.
 */
import { EventEmitter } from 'node:events'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as Electron from 'electron'

type Handler = (event: unknown, ...args: unknown[]) => unknown
type MenuTemplate = Electron.MenuItemConstructorOptions[]

export function report(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`FAKE-ELECTRON ${JSON.stringify({ event, ...data })}\n`)
}

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url))
const paths: Record<string, string> = {
  userData: process.env.PARLEY_FAKE_USER_DATA ?? mkdtempSync(path.join(os.tmpdir(), 'parley-fake-electron-')),
}
const appEvents = new EventEmitter()
const ipcHandlers = new Map<string, Handler>()
const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>()
let applicationMenu: MenuTemplate = []
const windows: BrowserWindow[] = []
const pageLoads: Array<(win: BrowserWindow, url: string) => Promise<void>> = []

export const app = Object.assign(
  {
  isPackaged: false,
  getPath: (name: string) => paths[name] ?? path.join(paths.userData!, name),
  setPath: (name: string, value: string) => {
    paths[name] = value
    report('set-path', { name, value })
  },
  getAppPath: () => repoRoot,
  requestSingleInstanceLock: () => true,
  whenReady: () => new Promise<void>((resolve) => setImmediate(resolve)),
  quit: () => {
    let prevented = false
    appEvents.emit('before-quit', { preventDefault: () => (prevented = true) })
    if (!prevented) {
      report('quit')
      process.exit(0)
    }
  },
  getLocale: () => 'en-US',
  setBadgeCount: (count?: number) => {
    report('badge', { count })
    return true
  },
  exit: (code?: number) => {
    report('exit', { code })
    process.exit(code)
  },
  } satisfies Partial<Electron.App>,
  {
    /** One overload per event in Electron's types; here any event (the entry's listeners are typed by Electron's). */
    on: (name: string, listener: (...args: never[]) => void): void => {
      appEvents.on(name, listener as (...args: unknown[]) => void)
    },
  },
)

export const dialog = {
  showErrorBox: (title: string, content: string) => report('error-box', { title, message: content }),
} satisfies Partial<Electron.Dialog>

export const protocol = {
  registerSchemesAsPrivileged: (schemes: Electron.CustomScheme[]) => report('schemes', { schemes }),
} satisfies Partial<Electron.Protocol>

export const Menu = {
  // The template stands in for the built menu: the scenario reads its items.
  buildFromTemplate: (template: MenuTemplate) => template as unknown as Electron.Menu,
  setApplicationMenu: (menu: Electron.Menu | null) => {
    applicationMenu = (menu as unknown as MenuTemplate | null) ?? []
    report('menu', { top: applicationMenu.map((m) => m.label ?? m.role) })
  },
} satisfies Partial<typeof Electron.Menu>

export const nativeTheme = {
  set themeSource(value: Electron.NativeTheme['themeSource']) {
    report('theme', { value })
  },
  get themeSource(): Electron.NativeTheme['themeSource'] {
    return 'system'
  },
} satisfies Partial<Electron.NativeTheme>

/** An image is its file name here. */
const image = (file: string) => ({ file }) as unknown as Electron.NativeImage
const fileOf = (img: Electron.NativeImage | string) => (typeof img === 'string' ? img : (img as unknown as { file: string }).file)

export const nativeImage = {
  createFromPath: image,
} satisfies Partial<typeof Electron.nativeImage>

export class Tray extends EventEmitter implements Pick<Electron.Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'destroy'> {
  constructor(icon: Electron.NativeImage | string) {
    super()
    report('tray', { icon: path.basename(fileOf(icon)) })
  }
  setImage(icon: Electron.NativeImage | string): void {
    report('tray-image', { icon: path.basename(fileOf(icon)) })
  }
  setToolTip(toolTip: string): void {
    report('tray-tooltip', { text: toolTip })
  }
  setContextMenu(menu: Electron.Menu | null): void {
    const items = (menu as unknown as MenuTemplate | null) ?? []
    report('tray-menu', { labels: items.map((m) => m.label ?? m.role ?? '') })
  }
  destroy(): void {}
}

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } } as Electron.Display],
} satisfies Partial<Electron.Screen>

export class Notification extends EventEmitter implements Pick<Electron.Notification, 'show' | 'close'> {
  static isSupported = (): boolean => true
  constructor(readonly options: Electron.NotificationConstructorOptions) {
    super()
  }
  show(): void {
    report('notification', { title: this.options.title })
  }
  close(): void {}
}

export const ipcMain = {
  handle: (channel: string, listener: (event: Electron.IpcMainInvokeEvent, ...args: never[]) => unknown) => {
    ipcHandlers.set(channel, listener as Handler)
  },
  removeHandler: (channel: string) => {
    ipcHandlers.delete(channel)
  },
} satisfies Partial<Electron.IpcMain>

/**
 * The OS keychain, played by a reversible transform so the scenario can tell a wrapped
 * token from a plain one on disk. `PARLEY_FAKE_NO_KEYCHAIN=1`: a machine without one.
 */
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => process.env.PARLEY_FAKE_NO_KEYCHAIN !== '1',
  encryptStringAsync: async (plainText: string) => Buffer.from(`fake-keychain:${plainText}`).reverse(),
  decryptStringAsync: async (encrypted: Buffer) => {
    const text = Buffer.from(encrypted).reverse().toString()
    if (!text.startsWith('fake-keychain:')) throw new Error('not sealed by this keychain')
    return { shouldReEncrypt: false, result: text.slice('fake-keychain:'.length) }
  },
  getSelectedStorageBackend: () => 'gnome_libsecret' as const,
} satisfies Partial<Electron.SafeStorage>

export const session = {
  defaultSession: {
    protocol: {
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
        protocolHandlers.set(scheme, handler)
      },
    },
    setPermissionRequestHandler: () => report('permission-handler'),
    setPermissionCheckHandler: () => {},
    webRequest: { onHeadersReceived: () => report('csp-hook') },
  },
}

class WebContents extends EventEmitter implements Pick<Electron.WebContents, 'send' | 'isDestroyed'> {
  mainFrame = { url: '', parent: null }
  openHandler: ((details: { url: string }) => { action: string }) | null = null
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler
  }
  send(channel: string, ...args: unknown[]): void {
    report('bridge-event', { name: channel, payload: args[0] })
  }
  isDestroyed(): boolean {
    return false
  }
}

type FakeWindowMethods =
  | 'isDestroyed'
  | 'isFocused'
  | 'isMinimized'
  | 'isMaximized'
  | 'maximize'
  | 'getNormalBounds'
  | 'show'
  | 'focus'
  | 'restore'
  | 'loadURL'

export class BrowserWindow extends EventEmitter implements Pick<Electron.BrowserWindow, FakeWindowMethods> {
  readonly webContents = new WebContents()
  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
    super()
    const { webPreferences, width, height, minWidth, minHeight } = options
    report('window', { webPreferences: { ...webPreferences, preload: undefined }, width, height, minWidth, minHeight })
    windows.push(this)
    appEvents.emit('web-contents-created', {}, this.webContents)
  }
  isDestroyed = () => false
  isFocused = () => true
  isMinimized = () => false
  isMaximized = () => false
  maximize = () => {}
  getNormalBounds = () => ({ x: 0, y: 0, width: 1100, height: 760 })
  show = () => {}
  focus = () => {}
  restore = () => {}
  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url
    for (const onLoad of pageLoads) {
      setImmediate(() => void onLoad(this, url).catch((err: Error) => report('scenario-failed', { message: err.message })))
    }
  }
}

/** What a scenario uses to play the renderer and the user. */
export const fake = {
  /** Run `scenario` once the entry loads a page into a window. */
  onPageLoad(scenario: (win: BrowserWindow, url: string) => Promise<void>): void {
    pageLoads.push(scenario)
  },
  /** Fetch from the app protocol the entry registered for `scheme`. */
  fetch(scheme: string, url: string): Promise<Response> {
    const handler = protocolHandlers.get(scheme)
    if (!handler) throw new Error(`no protocol handler for ${scheme}`)
    return handler(new Request(url))
  },
  /** Invoke an IPC channel as a frame of `win` (its main frame unless `senderFrame` says otherwise). */
  invoke(win: BrowserWindow, channel: string, args: unknown, senderFrame: unknown = win.webContents.mainFrame): Promise<unknown> {
    const handler = ipcHandlers.get(channel)
    if (!handler) throw new Error(`no IPC handler for ${channel}`)
    return Promise.resolve(handler({ sender: win.webContents, senderFrame }, args))
  },
  channels: (): string[] => [...ipcHandlers.keys()].sort(),
  applicationMenu: (): MenuTemplate => applicationMenu,
  windows: (): readonly BrowserWindow[] => windows,
}
