/**
 * Authenticates WebSocket upgrades before any WebSocket exists: a socket without a valid
 * session gets a plain HTTP error and is destroyed, so no unauthenticated connection can
 * ever be handed to protocol code.
 */
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { logger } from '../shared/log'
import { WS_PATH } from '../shared/protocol'
import type { Accounts } from './accounts'
import type { OriginPolicy } from './origin'
import type { SessionRecord } from './store/types'
import { bearerToken } from './tokens'

const log = logger('server.upgrade')

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export interface UpgradeDeps {
  wss: WebSocketServer
  accounts: Accounts
  isShuttingDown: () => boolean
  originAllowed: OriginPolicy
  /**
   * Takes over an authenticated socket; `token` lets it re-check the session later, and
   * `socket` is the TCP socket under `ws` (for corking its writes).
   */
  accept: (ws: WebSocket, session: SessionRecord, token: string, socket: Duplex) => void
}

export function createUpgradeHandler(deps: UpgradeDeps): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // until ws takes the socket over, its errors are ours to catch
    const onError = (err: Error) => log.info({ err: err.message }, 'socket error during upgrade')
    socket.on('error', onError)
    authorize(req)
      .then((outcome) => {
        if (socket.destroyed) return
        if (!outcome.ok) return reject(socket, outcome.status, outcome.code, outcome.message)
        deps.wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', onError)
          deps.accept(ws, outcome.session, outcome.token, socket)
        })
      })
      .catch((err: unknown) => {
        log.error({ err }, 'upgrade failed')
        reject(socket, 500, 'INTERNAL', 'internal server error')
      })
  }

  async function authorize(
    req: http.IncomingMessage,
  ): Promise<
    { ok: true; session: SessionRecord; token: string } | { ok: false; status: number; code: string; message: string }
  > {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== WS_PATH) return { ok: false, status: 404, code: 'NOT_FOUND', message: `the WebSocket endpoint is ${WS_PATH}` }
    if (deps.isShuttingDown()) return { ok: false, status: 503, code: 'INTERNAL', message: 'the server is shutting down' }
    if (!deps.originAllowed(req)) {
      log.info({ origin: req.headers.origin }, 'upgrade from a web page refused')
      return { ok: false, status: 403, code: 'FORBIDDEN', message: 'connections from web pages are not accepted' }
    }
    const token = bearerToken(req.headers.authorization)
    const session = token ? await deps.accounts.authenticate(token) : null
    if (!token || !session) {
      return { ok: false, status: 401, code: 'UNAUTHORIZED', message: 'a valid bearer token is required' }
    }
    return { ok: true, session, token }
  }
}

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } })
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  )
}
