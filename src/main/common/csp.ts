/**
 * The renderer's Content-Security-Policy, one source for the three places that
 * send it: the meta tag injected into the built index.html (electron.vite.config.ts),
 * the Electron app protocol and session, and the browser-mode host.
 *
 * The page runs only its own bundled scripts and styles, loads nothing from
 * elsewhere, and may not be framed; the meta tag is the floor, each host's header
 * narrows `connect-src` to what that host actually needs.
 */

export interface CspOptions {
  /** Where the page may connect: Electron needs nothing (IPC), browser mode its own bridge socket. */
  connectSrc: readonly string[]
  /** Vite's dev server injects inline styles and an HMR socket; never set for a build. */
  dev?: boolean
}

export function contentSecurityPolicy({ connectSrc, dev = false }: CspOptions): string {
  const connect = connectSrc.length > 0 ? connectSrc.join(' ') : "'none'"
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${dev ? `${connect} ws: http:` : connect}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
  ]
  return directives.join('; ')
}

/** Header-only directives (a meta tag cannot carry them). */
export function contentSecurityPolicyHeader(options: CspOptions): string {
  return `${contentSecurityPolicy(options)}; frame-ancestors 'none'`
}

/** The meta tag baked into the built page: same-origin connections only, which fits both hosts. */
export const META_CSP = contentSecurityPolicy({ connectSrc: ["'self'"] })
