/**
 * Where the Electron renderer is loaded from. Built pages come from a privileged
 * custom scheme rather than file:// so that the page has a real origin of its own
 * (no access to other local files), and responses carry our CSP header.
 */

export const APP_SCHEME = 'parley'
export const APP_HOST = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/** scheme://host[:port], also for custom schemes (for which WHATWG `URL.origin` is "null"). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    return u.host ? `${u.protocol}//${u.host}` : null
  } catch {
    return null
  }
}

export function isSameOrigin(url: string, origin: string): boolean {
  return originOf(url) === origin
}
