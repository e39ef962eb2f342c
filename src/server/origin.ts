/**
 * Parley's clients talk to the server from Node (the desktop main process, browser mode's
 * host), which sends no `Origin` header. A request that carries one was made by a web
 * page: it has no business here, and letting it through would let any site the user
 * visits create accounts or guess passwords from the user's address (a JSON body sent as
 * text/plain needs no CORS preflight). So requests with an Origin are refused unless that
 * origin was allowed explicitly.
 */
import type http from 'node:http'

export type OriginPolicy = (req: http.IncomingMessage) => boolean

export function originPolicy(allowedOrigins: readonly string[] = []): OriginPolicy {
  const allowed = new Set(allowedOrigins)
  return (req) => {
    const origin = req.headers.origin
    return origin === undefined || allowed.has(origin)
  }
}
