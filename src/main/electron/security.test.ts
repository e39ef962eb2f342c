import { describe, expect, it, vi } from 'vitest'

type Listener = (...args: unknown[]) => void
const appListeners = new Map<string, Listener>()
vi.mock('electron', () => ({ app: { on: (name: string, fn: Listener) => appListeners.set(name, fn) } }))

const { hardenAllWebContents, hardenSession } = await import('./security')

const APP = 'parley://app'

function fakeContents() {
  const listeners = new Map<string, Listener>()
  let openHandler: ((details: { url: string }) => { action: string }) | null = null
  return {
    listeners,
    open: (url: string) => openHandler!({ url }),
    setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn),
    on: (name: string, fn: Listener) => listeners.set(name, fn),
  }
}

describe('hardenAllWebContents', () => {
  hardenAllWebContents(APP)
  const contents = fakeContents()
  appListeners.get('web-contents-created')!({}, contents)

  it('denies window.open', () => {
    expect(contents.open('https://example.com/')).toEqual({ action: 'deny' })
    expect(contents.open(`${APP}/index.html`)).toEqual({ action: 'deny' })
  })

  it('blocks navigation and redirects away from the app, and webviews', () => {
    for (const name of ['will-navigate', 'will-redirect']) {
      const away = { preventDefault: vi.fn() }
      contents.listeners.get(name)!(away, 'https://evil.example/')
      expect(away.preventDefault).toHaveBeenCalled()
      const inside = { preventDefault: vi.fn() }
      contents.listeners.get(name)!(inside, `${APP}/index.html#x`)
      expect(inside.preventDefault).not.toHaveBeenCalled()
    }
    const webview = { preventDefault: vi.fn() }
    contents.listeners.get('will-attach-webview')!(webview)
    expect(webview.preventDefault).toHaveBeenCalled()
  })
})

describe('hardenSession', () => {
  let request: (c: unknown, permission: string, cb: (granted: boolean) => void, details: { requestingUrl: string }) => void
  let check: (c: unknown, permission: string, origin: string) => boolean
  let headers: (details: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void
  hardenSession(
    {
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
      webRequest: { onHeadersReceived: (fn: typeof headers) => (headers = fn) },
    } as never,
    APP,
    { dev: false },
  )

  it('grants notifications to the app only, and nothing else', () => {
    const answer = (permission: string, url: string) => {
      let granted: boolean | null = null
      request(null, permission, (g) => (granted = g), { requestingUrl: url })
      return granted
    }
    expect(answer('notifications', `${APP}/index.html`)).toBe(true)
    expect(answer('notifications', 'https://evil.example/')).toBe(false)
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal']) expect(answer(p, `${APP}/`)).toBe(false)
    expect(check(null, 'notifications', APP)).toBe(true)
    expect(check(null, 'media', APP)).toBe(false)
  })

  it("puts our CSP on the app's responses, replacing any other", () => {
    let result: { responseHeaders?: Record<string, string[]> } = {}
    headers(
      { url: `${APP}/index.html`, responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r) => (result = r as typeof result),
    )
    expect(result.responseHeaders?.['content-security-policy']).toBeUndefined()
    expect(result.responseHeaders?.['Content-Security-Policy']?.[0]).toContain("default-src 'none'")
    expect(result.responseHeaders?.['X-Content-Type-Options']).toEqual(['nosniff'])
    headers({ url: 'https://elsewhere.example/' }, (r) => (result = r as typeof result))
    expect(result).toEqual({})
  })
})
