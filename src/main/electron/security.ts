/**
 * Electron hardening that is not a BrowserWindow option: what any web contents may
 * navigate to or open, which permissions a page gets, and the CSP header on the
 * app's own responses (on top of the meta tag baked into the page).
 */
import { app, type Session } from 'electron'
import { logger } from '../../shared/log'
import { isSameOrigin, originOf } from './app-url'
import { contentSecurityPolicyHeader } from '../common/csp'

const log = logger('security')

/** Applies to every web contents ever created, so nothing can slip past a per-window setup. */
export function hardenAllWebContents(appOrigin: string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      log.warn({ origin: originOf(url) }, 'window.open denied')
      return { action: 'deny' }
    })
    const guard = (event: { preventDefault(): void }, url: string): void => {
      if (isSameOrigin(url, appOrigin)) return
      event.preventDefault()
      log.warn({ origin: originOf(url) }, 'navigation away from the app blocked')
    }
    contents.on('will-navigate', guard)
    contents.on('will-redirect', guard)
    contents.on('will-attach-webview', (event) => {
      event.preventDefault()
      log.warn('webview blocked')
    })
  })
}

export function hardenSession(session: Session, appOrigin: string, options: { dev: boolean }): void {
  // Notifications are the one permission a messenger needs; everything else is refused.
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const granted = permission === 'notifications' && isSameOrigin(details.requestingUrl, appOrigin)
    if (!granted) log.info({ permission }, 'permission request denied')
    callback(granted)
  })
  session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) =>
      permission === 'notifications' && originOf(requestingOrigin) === appOrigin,
  )
  const csp = contentSecurityPolicyHeader({ connectSrc: [], dev: options.dev })
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isSameOrigin(details.url, appOrigin)) {
      callback({})
      return
    }
    const responseHeaders = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
    )
    responseHeaders['Content-Security-Policy'] = [csp]
    responseHeaders['X-Content-Type-Options'] = ['nosniff']
    callback({ responseHeaders })
  })
}
