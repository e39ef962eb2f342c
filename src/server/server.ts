/**
 * The Parley chat server: HTTP accounts API and the WebSocket protocol on one port.
 * `startServer` is what the CLI, the desktop app (embedded server) and the tests run.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { logger } from '../shared/log'
import { MAX_FRAME_BYTES } from '../shared/protocol'
import { DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS, DEFAULT_WITHDRAW_WINDOW_SECONDS } from '../shared/withdraw-rules'
import { type AccountLimits, Accounts, DEFAULT_ACCOUNT_LIMITS } from './accounts'
import { MemoryBus } from './bus/memory-bus'
import type { Bus } from './bus/types'
import { CloseCode } from '../shared/protocol'
import { Connection, type ConnectionConfig } from './connection'
import { ConnectionRegistry } from './connections'
import type { ChatContext } from './context'
import { createHttpHandler } from './http'
import { originPolicy } from './origin'
import { type BucketLimits, KeyedRateLimiter } from './rate-limit'
import { SqliteStore } from './store/sqlite/sqlite-store'
import type { ChatStore } from './store/types'
import type { SharedThrottle } from './throttle'
import { hashToken } from './tokens'
import { createUpgradeHandler } from './upgrade'
import { turnWrites } from './turn-writes'

const log = logger('server')

export interface ServerLimits extends AccountLimits {
  /** Per connection. */
  frames: BucketLimits
  /** Per user, over all of that user's connections. */
  framesPerUser: BucketLimits
}

export const DEFAULT_LIMITS: ServerLimits = {
  ...DEFAULT_ACCOUNT_LIMITS,
  // a reconnecting client flushing its outbox gets a generous burst, then a steady rate
  frames: { capacity: 120, refillPerSecond: 30 },
  // room for a few devices of one person flushing at once, not for a fleet of them
  framesPerUser: { capacity: 360, refillPerSecond: 90 },
}

export interface ServerOptions {
  host: string
  /** 0 picks a free port; the chosen one is in the result. */
  port: number
  /** Where the embedded store keeps its database. */
  dataDir: string
  /** How long authors may withdraw their messages; 0 = unlimited. Default 120. */
  recallWindowSeconds?: number
  /** The same for group owners/admins withdrawing others' messages; 0 = unlimited (the default). */
  adminRecallWindowSeconds?: number
  heartbeatMs?: number
  helloTimeoutMs?: number
  /** How long a connection may take to send its request headers (idle TCP connections included). */
  headersTimeoutMs?: number
  /**
   * Web origins allowed to call the HTTP API and open sockets. Parley's own clients send no
   * Origin; by default every request that carries one is refused (see origin.ts).
   */
  allowedOrigins?: readonly string[]
  /** Wall clock for server timestamps and withdraw windows (tests move it). */
  now?: () => number
  limits?: Partial<ServerLimits>
  /** Engines to use instead of the embedded SQLite store and in-process bus. */
  store?: ChatStore
  bus?: Bus
  /** Sign-in/sign-up throttles shared by the nodes of a cluster; default: this process's. */
  throttle?: SharedThrottle
  /** better-sqlite3 native addon to load (the desktop app passes its Electron-ABI build). */
  nativeBinding?: string
}

export interface RunningServer {
  /** ws://HOST:PORT; the HTTP API is the same with http://. */
  url: string
  port: number
  close(): Promise<void>
}

export const DEFAULT_HEARTBEAT_MS = 30_000
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
const REPLAY_PAGE_SIZE = 200
const SHUTDOWN_GRACE_MS = 2_000

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const store: ChatStore = options.store ?? SqliteStore.open(options.dataDir, { nativeBinding: options.nativeBinding })
  const bus = options.bus ?? new MemoryBus()
  const ctx: ChatContext = {
    store,
    writes: turnWrites(store),
    bus,
    now,
    recallWindowSeconds: options.recallWindowSeconds ?? DEFAULT_WITHDRAW_WINDOW_SECONDS,
    adminRecallWindowSeconds: options.adminRecallWindowSeconds ?? DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS,
  }
  const connectionConfig: ConnectionConfig = {
    helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    frameLimits: limits.frames,
    replayPageSize: REPLAY_PAGE_SIZE,
  }
  const accounts = new Accounts({ store, bus, now, limits, throttle: options.throttle ?? store.sharedThrottle?.() })
  const userFrames = new KeyedRateLimiter(limits.framesPerUser)
  const registry = new ConnectionRegistry()
  let shuttingDown = false

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  })
  const originAllowed = originPolicy(options.allowedOrigins)
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  const httpServer = http.createServer(
    // the timeouts below are enforced on this tick: an idle socket goes within a second of its deadline
    { connectionsCheckingInterval: Math.min(1_000, headersTimeout) },
    createHttpHandler(accounts, originAllowed),
  )
  // slow or stalled clients (a TCP connection that never sends a request) must not hold sockets open forever
  httpServer.headersTimeout = headersTimeout
  httpServer.requestTimeout = Math.max(headersTimeout, 30_000)
  httpServer.on(
    'upgrade',
    createUpgradeHandler({
      wss,
      accounts,
      isShuttingDown: () => shuttingDown,
      originAllowed,
      accept: (ws, session, token, socket) => {
        // authorized just as shutdown began: the registry has already been drained
        if (shuttingDown) {
          ws.close(CloseCode.GOING_AWAY, 'server shutting down')
          return
        }
        const tokenHash = hashToken(token)
        const connection = new Connection(ws, socket, session, {
          ctx,
          config: connectionConfig,
          userFrames,
          sessionStillValid: async () => (await store.findSessionByTokenHash(tokenHash))?.id === session.id,
          onClosed: (c) => registry.remove(c),
        })
        registry.add(connection)
      },
    }),
  )

  try {
    await listen(httpServer, options.port, options.host)
  } catch (err) {
    // the engines were handed over: nothing may stay half-started
    await bus.close()
    await store.close()
    throw err
  }
  const { port } = httpServer.address() as AddressInfo
  registry.startHeartbeat(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
  const url = `ws://${formatHost(options.host)}:${port}`
  log.info({ url, recallWindowSeconds: ctx.recallWindowSeconds }, 'listening')

  let closing: Promise<void> | null = null
  async function shutdown(): Promise<void> {
    shuttingDown = true
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
    httpServer.closeIdleConnections()
    await registry.shutdown(CloseCode.GOING_AWAY, 'server shutting down', SHUTDOWN_GRACE_MS)
    // requests still in flight (a sign-in mid-hash) may finish; then nothing holds the store
    const httpTimer = setTimeout(() => httpServer.closeAllConnections(), SHUTDOWN_GRACE_MS)
    await httpClosed
    clearTimeout(httpTimer)
    wss.close()
    await bus.close()
    await store.close()
    log.info('stopped')
  }

  return {
    url,
    port,
    close: () => (closing ??= shutdown()),
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
