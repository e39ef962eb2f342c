/**
 * The `parley://app/` scheme serving the built renderer (out/renderer) inside Electron.
 */
import { readFile } from 'node:fs/promises'
import { protocol, type Session } from 'electron'
import { logger } from '../../shared/log'
import { APP_HOST, APP_SCHEME } from './app-url'
import { contentSecurityPolicyHeader } from '../common/csp'
import { contentTypeFor, resolveStaticFile } from '../common/static-files'

const log = logger('app-protocol')

/** Must run before `app.ready`: privileges cannot be granted later. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  // All talk with main goes over IPC: the page needs no network at all.
  'Content-Security-Policy': contentSecurityPolicyHeader({ connectSrc: [] }),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
}

export function serveAppProtocol(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST || request.method !== 'GET') {
      return new Response(null, { status: 404, headers: APP_RESPONSE_HEADERS })
    }
    const file = await resolveStaticFile(rendererDir, url.pathname)
    if (file === null) {
      log.warn({ path: url.pathname.slice(0, 200) }, 'no such app file')
      return new Response(null, { status: 404, headers: APP_RESPONSE_HEADERS })
    }
    return new Response(await readFile(file), {
      status: 200,
      headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': contentTypeFor(file) },
    })
  })
}
