/**
 * Electron hardening in one place, with `electron` mocked: the options the window is
 * really created with, and what the session and every web contents allow. Each line is
 * a door a compromised renderer (say, an XSS in a message) would try.
 */
import { describe, expect, it, vi } from 'vitest'

type Listener = (...args: unknown[]) => void
const created: Array<{ options: Record<string, unknown>; once: Map<string, Listener>; shown: boolean }> = []
const appListeners = new Map<string, Listener>()

vi.mock('electron', () => ({
  app: { on: (name: string, fn: Listener) => appListeners.set(name, fn) },
  BrowserWindow: class {
    private readonly record: (typeof created)[number]
    constructor(options: Record<string, unknown>) {
      this.record = { options, once: new Map(), shown: false }
      created.push(this.record)
    }
    once(name: string, fn: Listener) {
      this.record.once.set(name, fn)
      return this
    }
    show() {
      this.record.shown = true
    }
  },
}))

const { createMainWindow } = await import('./window')
const { hardenAllWebContents, hardenSession } = await import('./security')
const { APP_ORIGIN } = await import('./app-url')

/** Every permission Electron can ask a session about (Electron 45). */
const PERMISSIONS = [
  'clipboard-read',
  'clipboard-sanitized-write',
  'display-capture',
  'fullscreen',
  'geolocation',
  'idle-detection',
  'media',
  'mediaKeySystem',
  'midi',
  'midiSysex',
  'notifications',
  'pointerLock',
  'keyboardLock',
  'openExternal',
  'speaker-selection',
  'storage-access',
  'top-level-storage-access',
  'window-management',
  'unknown',
  'fileSystem',
  'hid',
  'serial',
  'usb',
]

describe('the main window', () => {
  const win = (() => {
    createMainWindow({ preloadPath: '/app/out/preload/index.mjs' })
    return created.at(-1)!
  })()
  const prefs = win.options.webPreferences as Record<string, unknown>

  it('isolates the renderer: sandboxed, context-isolated, no Node anywhere', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    })
    expect(prefs.preload).toBe('/app/out/preload/index.mjs')
  })

  it('keeps the web platform’s own defences on and the risky extras off', () => {
    expect(prefs).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    })
    // nothing that would widen the renderer's powers sneaks in
    for (const risky of ['enableBlinkFeatures', 'additionalArguments', 'enableRemoteModule', 'disableBlinkFeatures']) {
      expect(prefs, risky).not.toHaveProperty(risky)
    }
  })

  it('stays hidden until its page is ready', () => {
    expect(win.options.show).toBe(false)
    expect(win.shown).toBe(false)
    win.once.get('ready-to-show')!()
    expect(win.shown).toBe(true)
  })
})

describe('every web contents', () => {
  hardenAllWebContents(APP_ORIGIN)
  const listeners = new Map<string, Listener>()
  let openHandler: ((details: { url: string }) => { action: string }) | null = null
  appListeners.get('web-contents-created')!({}, {
    setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn),
    on: (name: string, fn: Listener) => listeners.set(name, fn),
  })

  it('opens no new windows, for any URL', () => {
    for (const url of ['https://evil.example/', `${APP_ORIGIN}/index.html`, 'file:///etc/passwd', 'javascript:alert(1)', 'about:blank']) {
      expect(openHandler!({ url }), url).toEqual({ action: 'deny' })
    }
  })

  it('never navigates or redirects away from the app, and attaches no webview', () => {
    for (const event of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'parley://other/index.html', 'data:text/html,<script>1</script>', 'not a url']) {
        const navigation = { preventDefault: vi.fn() }
        listeners.get(event)!(navigation, url)
        expect(navigation.preventDefault, `${event} ${url}`).toHaveBeenCalled()
      }
    }
    const webview = { preventDefault: vi.fn() }
    listeners.get('will-attach-webview')!(webview)
    expect(webview.preventDefault).toHaveBeenCalled()
  })
})

describe('the session', () => {
  let request!: (c: unknown, permission: string, cb: (granted: boolean) => void, details: { requestingUrl: string }) => void
  let check!: (c: unknown, permission: string, origin: string) => boolean
  let onHeaders!: (details: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void
  hardenSession(
    {
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
      webRequest: { onHeadersReceived: (fn: typeof onHeaders) => (onHeaders = fn) },
    } as never,
    APP_ORIGIN,
    { dev: false },
  )

  function granted(permission: string, url: string): boolean | null {
    let answer: boolean | null = null
    request(null, permission, (g) => (answer = g), { requestingUrl: url })
    return answer
  }

  it('grants notifications to the app and denies every other permission, and everything to other origins', () => {
    for (const permission of PERMISSIONS) {
      const expected = permission === 'notifications'
      expect(granted(permission, `${APP_ORIGIN}/index.html`), permission).toBe(expected)
      expect(check(null, permission, APP_ORIGIN), permission).toBe(expected)
      expect(granted(permission, 'https://evil.example/'), `${permission} from elsewhere`).toBe(false)
      expect(check(null, permission, 'https://evil.example'), `${permission} check from elsewhere`).toBe(false)
    }
  })

  it('sends a strict CSP with the app’s pages: own scripts only, nothing inline or eval, no framing, no plugins', () => {
    let headers: Record<string, string[]> = {}
    onHeaders({ url: `${APP_ORIGIN}/index.html`, responseHeaders: { 'Content-Security-Policy': ["default-src * 'unsafe-inline'"] } }, (r) => {
      headers = r.responseHeaders ?? {}
    })
    const csp = headers['Content-Security-Policy']![0]!
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]))
    expect(directives.get('default-src')).toEqual(["'none'"])
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(directives.get('base-uri')).toEqual(["'none'"])
    expect(directives.get('connect-src')).toEqual(["'none'"])
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
    expect(headers['X-Content-Type-Options']).toEqual(['nosniff'])
  })
})
