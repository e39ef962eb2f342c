/**
 * A stand-in for the `electron` module, so the real main entry (src/main/index.ts) can
 * run under plain Node in tests where no Electron binary exists. It records what main
 * asks of Electron and, once main loads its page, plays the renderer: fetches the page
 * through the app protocol, calls the bridge over the registered IPC handlers, then
 * quits. Each observation is one `STUB {json}` line on stdout.
 */
import { EventEmitter } from 'node:events'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

type Handler = (event: unknown, args: unknown) => Promise<unknown>

function report(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`STUB ${JSON.stringify({ event, ...data })}\n`)
}

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const paths: Record<string, string> = {
  userData: process.env.PARLEY_STUB_USER_DATA ?? mkdtempSync(path.join(os.tmpdir(), 'parley-stub-')),
}
const appEvents = new EventEmitter()
const ipcHandlers = new Map<string, Handler>()
const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>()

export const app = {
  isPackaged: false,
  getPath: (name: string) => paths[name] ?? path.join(paths.userData!, name),
  setPath: (name: string, value: string) => {
    paths[name] = value
    report('set-path', { name, value })
  },
  getAppPath: () => repoRoot,
  requestSingleInstanceLock: () => true,
  on: (name: string, fn: (...args: unknown[]) => void) => appEvents.on(name, fn),
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
  setBadgeCount: (count: number) => {
    report('badge', { count })
    return true
  },
  exit: (code: number) => {
    report('exit', { code })
    process.exit(code)
  },
}

export const dialog = {
  showErrorBox: (title: string, message: string) => report('error-box', { title, message }),
}

export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown) => report('schemes', { schemes }),
}

interface TemplateItem {
  label?: string
  role?: string
  accelerator?: string
  click?: () => void
  submenu?: TemplateItem[]
}
let applicationMenu: TemplateItem[] = []

export const Menu = {
  buildFromTemplate: (template: TemplateItem[]) => template,
  setApplicationMenu: (menu: TemplateItem[]) => {
    applicationMenu = menu
    report('menu', { top: menu.map((m) => m.label ?? m.role) })
  },
}

export const nativeTheme = {
  set themeSource(value: string) {
    report('theme', { value })
  },
}

export const nativeImage = {
  createFromPath: (file: string) => ({ file }),
}

export class Tray extends EventEmitter {
  constructor(image: { file: string }) {
    super()
    report('tray', { icon: path.basename(image.file) })
  }
  setImage(image: { file: string }): void {
    report('tray-image', { icon: path.basename(image.file) })
  }
  setToolTip(text: string): void {
    report('tray-tooltip', { text })
  }
  setContextMenu(menu: TemplateItem[]): void {
    report('tray-menu', { labels: menu.map((m) => m.label ?? m.role ?? '') })
  }
  destroy(): void {}
}

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
}

export class Notification extends EventEmitter {
  static isSupported = () => true
  constructor(readonly options: { title: string; body: string }) {
    super()
  }
  show(): void {
    report('notification', { title: this.options.title })
  }
  close(): void {}
}

export const ipcMain = {
  handle: (channel: string, fn: Handler) => ipcHandlers.set(channel, fn),
  removeHandler: (channel: string) => ipcHandlers.delete(channel),
}

export const session = {
  defaultSession: {
    protocol: { handle: (scheme: string, fn: (r: Request) => Promise<Response>) => protocolHandlers.set(scheme, fn) },
    setPermissionRequestHandler: () => report('permission-handler'),
    setPermissionCheckHandler: () => {},
    webRequest: { onHeadersReceived: () => report('csp-hook') },
  },
}

class WebContents extends EventEmitter {
  mainFrame = { url: '', parent: null }
  openHandler: ((details: { url: string }) => { action: string }) | null = null
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void {
    this.openHandler = fn
  }
  send(name: string, payload: unknown): void {
    report('bridge-event', { name, payload })
  }
  isDestroyed(): boolean {
    return false
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents = new WebContents()
  constructor(options: { webPreferences?: Record<string, unknown>; width?: number }) {
    super()
    report('window', { webPreferences: { ...options.webPreferences, preload: undefined }, width: options.width })
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
    setImmediate(() => void playRenderer(this, url).catch((err: Error) => report('stub-failed', { message: err.message })))
  }
}

async function playRenderer(win: BrowserWindow, url: string): Promise<void> {
  const scheme = new URL(url).protocol.replace(/:$/, '')
  const page = await protocolHandlers.get(scheme)!(new Request(url))
  report('page', {
    url,
    status: page.status,
    contentType: page.headers.get('content-type'),
    csp: page.headers.get('content-security-policy'),
    body: (await page.text()).slice(0, 200),
  })
  const traversal = await protocolHandlers.get(scheme)!(new Request(`${new URL(url).origin === 'null' ? `${scheme}://app` : new URL(url).origin}/%2e%2e/package.json`))
  report('traversal', { status: traversal.status })
  report('window-open', { result: win.webContents.openHandler?.({ url: 'https://example.com/' }) })

  const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame }
  const call = (channel: string, args: unknown, event: unknown = trusted) => ipcHandlers.get(channel)!(event, args)
  report('channels', { channels: [...ipcHandlers.keys()].sort() })
  report('invoke', { channel: 'session:get-state', result: await call('session:get-state', {}) })
  if (process.env.PARLEY_STUB_SAVE_SERVER) {
    const result = await call('settings:update', { serverUrl: process.env.PARLEY_STUB_SAVE_SERVER })
    report('invoke', { channel: 'settings:update', result })
  }
  const username = `stub_${process.pid}`
  report('invoke', {
    channel: 'session:sign-up',
    result: await call('session:sign-up', { username, password: 'correct horse battery staple' }),
  })
  const newChat = applicationMenu.flatMap((m) => m.submenu ?? []).find((i) => i.accelerator === 'CmdOrCtrl+N')
  report('menu-item', { label: newChat?.label })
  newChat?.click?.()
  await new Promise((resolve) => setImmediate(resolve))
  const foreign = { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } }
  report('invoke', { channel: 'foreign', result: await call('session:get-state', {}, foreign) })
  app.quit()
}
