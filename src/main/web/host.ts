/**
 * Browser-mode host: serves the built renderer and carries the bridge contract over
 * one WebSocket per page (`/bridge`). The client core runs in this Node process, so
 * the socket is as powerful as Electron's IPC: only a page that knows the per-launch
 * token and is served from our own origin may open it. Every other local page (any
 * site the user has open can reach 127.0.0.1) gets 403.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { fail, type BridgeEvents, type EventName, type Result } from '../../shared/bridge'
import { logger } from '../../shared/log'
import { WEB_BRIDGE_PATH, WebInvokeFrame, type WebHostFrame } from '../../shared/web-bridge'
import { contentSecurityPolicyHeader } from '../common/csp'
import { contentTypeFor, resolveStaticFile } from '../common/static-files'

const log = logger('web-host')

/** Room for the longest message text JSON-escaped, and not much more. */
const MAX_BRIDGE_FRAME_BYTES = 256 * 1024
const MAX_PAGES = 16
const HEARTBEAT_MS = 30_000

export type Dispatch = (name: string, args: unknown) => Promise<Result<unknown>>

export interface WebHostOptions {
  staticDir: string
  host: string
  port: number
  /** Runs one validated invoke against the core (`dispatchInvoke`). */
  dispatch: Dispatch
  /** Served as /favicon.ico when the build has none (browsers ask for it). */
  faviconFile?: string
  /** Fixed token for tests; a fresh 32-byte random one otherwise. */
  token?: string
}

export interface WebHost {
  /** The page to open, token included. */
  url: string
  origin: string
  port: number
  token: string
  /** Fan an event out to every connected page. */
  broadcast<E extends EventName>(event: E, payload: BridgeEvents[E]): void
  pageCount(): number
  close(): Promise<void>
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url')
  const tokenDigest = sha256(token)
  const pages = new Set<WebSocket>()
  const alive = new WeakSet<WebSocket>()
  // Filled in once listening: the port is only known then.
  let origin = ''
  let hostHeader = ''
  let headers: Record<string, string> = {}

  const server = http.createServer((req, res) => {
    void serveStatic(req, res).catch((err: unknown) => {
      log.error({ err, path: safePath(req.url) }, 'static request failed')
      if (!res.headersSent) res.writeHead(500, headers)
      res.end()
    })
  })
  server.on('clientError', (_err, socket) => socket.destroy())

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers.host !== hostHeader) {
      // DNS rebinding: a foreign name resolving to 127.0.0.1 must not read our pages.
      res.writeHead(421, headers).end()
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end()
      return
    }
    const pathname = new URL(req.url ?? '/', origin).pathname
    const file =
      (await resolveStaticFile(opts.staticDir, pathname)) ??
      (pathname === '/favicon.ico' && opts.faviconFile ? opts.faviconFile : null)
    if (file === null) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n')
      return
    }
    const isHtml = file.endsWith('.html')
    res.writeHead(200, {
      ...headers,
      'Content-Type': contentTypeFor(file),
      // Hashed asset names make assets safe to cache; the page itself must not be.
      'Cache-Control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    await new Promise<void>((resolve, reject) => {
      createReadStream(file).on('error', reject).on('end', resolve).pipe(res)
    })
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BRIDGE_FRAME_BYTES })

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const refusal = refuseBridge(req, url)
    if (refusal !== null) {
      log.warn({ status: refusal, origin: req.headers.origin ?? null, path: url.pathname }, 'bridge upgrade refused')
      refuseUpgrade(socket, refusal)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => acceptPage(ws))
  })

  /** The HTTP status to refuse an upgrade with, or null to accept it. */
  function refuseBridge(req: http.IncomingMessage, url: URL): number | null {
    if (url.pathname !== WEB_BRIDGE_PATH) return 404
    // Any page the user has open can try 127.0.0.1: only our own page, with the token, gets in.
    if (req.headers.host !== hostHeader || req.headers.origin !== origin) return 403
    if (!tokenMatches(url.searchParams.get('token'), tokenDigest)) return 403
    if (pages.size >= MAX_PAGES) return 503
    return null
  }

  function acceptPage(ws: WebSocket): void {
    pages.add(ws)
    alive.add(ws)
    log.info({ pages: pages.size }, 'page connected')
    ws.on('error', (err) => log.warn({ err }, 'page socket error'))
    ws.on('pong', () => alive.add(ws))
    ws.on('close', () => {
      pages.delete(ws)
      log.info({ pages: pages.size }, 'page disconnected')
    })
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only')
        return
      }
      void handleFrame(ws, data.toString())
    })
  }

  async function handleFrame(ws: WebSocket, text: string): Promise<void> {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      ws.close(1007, 'not JSON')
      return
    }
    const parsed = WebInvokeFrame.safeParse(raw)
    if (!parsed.success) {
      const id = readId(raw)
      if (id === null) {
        ws.close(1008, 'not an invoke frame')
        return
      }
      send(ws, { t: 'result', id, result: fail('INVALID_ARGUMENT', 'malformed invoke frame') })
      return
    }
    const { id, name, args } = parsed.data
    const result = await opts.dispatch(name, args)
    send(ws, { t: 'result', id, result })
  }

  function send(ws: WebSocket, frame: WebHostFrame): void {
    if (ws.readyState !== ws.OPEN) return
    ws.send(JSON.stringify(frame), (err) => {
      if (err) log.warn({ err }, 'send to page failed')
    })
  }

  const heartbeat = setInterval(() => {
    for (const ws of pages) {
      if (!alive.has(ws)) {
        ws.terminate()
        continue
      }
      alive.delete(ws)
      ws.ping()
    }
  }, HEARTBEAT_MS)
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  hostHeader = `${hostPart}:${port}`
  origin = `http://${hostHeader}`
  headers = securityHeaders(`ws://${hostHeader}`)

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    port,
    token,
    broadcast(event, payload) {
      if (pages.size === 0) return
      const text = JSON.stringify({ t: 'event', name: event, payload } satisfies WebHostFrame)
      for (const ws of pages) {
        if (ws.readyState === ws.OPEN) {
          ws.send(text, (err) => {
            if (err) log.warn({ err, event }, 'event to page failed')
          })
        }
      }
    },
    pageCount: () => pages.size,
    async close() {
      clearInterval(heartbeat)
      for (const ws of pages) ws.close(1001, 'Parley is shutting down')
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      for (const ws of pages) ws.terminate()
    },
  }
}

function securityHeaders(bridgeOrigin: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicyHeader({ connectSrc: ["'self'", bridgeOrigin] }),
    'X-Content-Type-Options': 'nosniff',
    // The token is in the page URL: it must never travel in a Referer header.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** Digests have equal length whatever was sent, so the comparison is constant-time and length-blind. */
function tokenMatches(candidate: string | null, expectedDigest: Buffer): boolean {
  if (candidate === null) return false
  return timingSafeEqual(sha256(candidate), expectedDigest)
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const reason = http.STATUS_CODES[status] ?? 'Error'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

function readId(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null) return null
  const id = (raw as { id?: unknown }).id
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : null
}

/** Paths are logged without their query: the token must not reach a log. */
function safePath(url: string | undefined): string {
  return (url ?? '').split('?')[0]!.slice(0, 200)
}
