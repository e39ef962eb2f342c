import WebSocket from 'ws'
import type { ConnectionState } from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ServerFrame,
  WS_PATH,
  type ClientFrame,
  type WelcomeFrame,
  CloseCode,
} from '../../../shared/protocol'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../../../shared/backoff'
import { DEFAULT_PACE, SendPacer, type PaceLimits } from './pacer'
import { wake, type Chore } from '../turns'

const log = logger('core.connection')

export type ServerReply = Exclude<ServerFrame, WelcomeFrame>

export interface ConnectionHooks {
  onState(state: ConnectionState, detail: string | null): void
  /** The handshake completed: frames may be sent from now on. */
  onWelcome(frame: WelcomeFrame): void
  onFrame(frame: ServerReply): void
  /**
   * Frames read from the socket, in order, several at a time (a replay comes in chunks of
   * hundreds), parsed a slice at a time in turns of the event loop (turns.ts). When
   * absent, `onFrame` gets them one by one as they are read.
   */
  onFrames?(frames: ServerReply[]): void
  /** The server refused `token` (at upgrade, or revoked it on an open socket): that session is over. */
  onUnauthorized(token: string): void
}

/** The one connection to the server, as the services see it (a fake in unit tests). */
export interface Connection {
  readonly state: ConnectionState
  /** Between the server's welcome and the socket closing. */
  readonly ready: boolean
  start(token: string): void
  stop(): Promise<void>
  /** False when the frame could not be written (not ready). */
  send(frame: ClientFrame): boolean
  /** Drop the socket and reconnect after a backoff, e.g. when a local commit failed. */
  restart(reason: string): void
  /** Test seam: handle `raw` exactly like a frame read from the socket. */
  injectFrame(raw: string): void
}

export type ConnectionFactory = (hooks: ConnectionHooks) => Connection

export interface WsConnectionOptions {
  /** ws://host:port of the server. */
  serverUrl: string
  backoff?: BackoffOptions
  /** Ping interval; a socket that missed one pong is terminated. */
  heartbeatMs?: number
  handshakeTimeoutMs?: number
  random?: () => number
  pace?: PaceLimits
}

export function wsConnectionFactory(opts: WsConnectionOptions): ConnectionFactory {
  return (hooks) => new WsConnection(opts, hooks)
}

/** Frames read but not parsed yet at which the socket stops reading (about one 64 KB read of a replay). */
export const UNREAD_HIGH_WATER = 256
/** Parsing a frame and validating it costs ~10-50 µs: a slice parses a few hundred at most. */
const PARSE_SLICE_MS = 3

class WsConnection implements Connection, Chore {
  state: ConnectionState = 'offline'
  ready = false
  private socket: WebSocket | null = null
  private pacer: SendPacer | null = null
  /**
   * Raw frames of the current socket not parsed yet, from `unreadFrom` on. ws emits every
   * frame of a socket read in one go (and libuv reads up to 32 times 64 KB in one turn), so
   * they are parsed in slices; past UNREAD_HIGH_WATER the socket pauses until they are.
   */
  private unread: string[] = []
  private unreadFrom = 0
  private paused = false
  private token: string | null = null
  private attempt = 0
  private retryTimer: NodeJS.Timeout | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private readonly url: string

  constructor(
    private readonly opts: WsConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.url = new URL(WS_PATH, opts.serverUrl).toString()
  }

  start(token: string): void {
    this.token = token
    this.attempt = 0
    this.clearRetry()
    this.dropSocket()
    this.open()
  }

  async stop(): Promise<void> {
    this.token = null
    this.clearRetry()
    const socket = this.detachSocket()
    this.setState('offline', 'signed out')
    if (socket) await closeGracefully(socket)
  }

  /** True once the frame is on its way on this socket (it may wait for the pacer). */
  send(frame: ClientFrame): boolean {
    if (!this.ready || !this.pacer || !this.socket || this.socket.readyState !== WebSocket.OPEN) return false
    this.pacer.push(JSON.stringify(frame))
    return true
  }

  restart(reason: string): void {
    if (!this.token) return
    log.warn({ reason }, 'reconnecting')
    this.dropSocket()
    this.scheduleReconnect(reason)
  }

  injectFrame(raw: string): void {
    this.handleData(raw)
  }

  private open(): void {
    const token = this.token
    if (!token) return
    this.setState('connecting', null)
    const ws = new WebSocket(this.url, {
      headers: { Authorization: `Bearer ${token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000,
    })
    this.socket = ws
    this.pacer?.clear()
    this.pacer = new SendPacer(this.opts.pace ?? DEFAULT_PACE, (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data)
    })
    let refusedStatus: number | null = null

    ws.on('unexpected-response', (_req, res) => {
      refusedStatus = res.statusCode ?? 0
      res.resume()
      ws.terminate()
    })
    ws.on('error', (err) => {
      // 'close' follows; this only records why.
      if (ws === this.socket) log.debug({ err: err.message }, 'socket error')
    })
    ws.on('open', () => {
      if (ws !== this.socket) return
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, client: 'parley-desktop' } satisfies ClientFrame))
      this.startHeartbeat(ws)
    })
    ws.on('message', (data, isBinary) => {
      if (ws !== this.socket) return
      if (isBinary) {
        log.warn('binary frame ignored')
        return
      }
      this.unread.push(rawText(data))
      if (!this.paused && this.unread.length - this.unreadFrom >= UNREAD_HIGH_WATER) {
        this.paused = true
        ws.pause()
      }
      wake(this)
    })
    ws.on('close', (code) => {
      if (ws !== this.socket) return
      this.socket = null
      this.ready = false
      this.forgetUnread()
      this.pacer?.clear()
      this.stopHeartbeat()
      if (refusedStatus === 401 || code === CloseCode.SESSION_REVOKED) {
        log.info({ code, status: refusedStatus }, 'session refused by the server')
        this.token = null
        this.setState('offline', 'session expired')
        this.hooks.onUnauthorized(token)
        return
      }
      if (code === CloseCode.REPLACED) {
        // Another Parley on this profile took over: fighting over the device helps nobody.
        log.warn('replaced by a newer connection of this device; staying disconnected')
        this.setState('offline', 'Parley is connected elsewhere with this profile')
        return
      }
      if (code === CloseCode.PROTOCOL_ERROR) {
        log.error('the server does not speak this protocol version; staying disconnected')
        this.setState('offline', 'this version of Parley is not supported by the server: please update')
        return
      }
      const detail = refusedStatus ? `server refused the connection (${refusedStatus})` : closeDetail(code)
      this.scheduleReconnect(detail)
    })
  }

  private handleData(raw: string): void {
    const frame = parseServerFrame(raw)
    if (!frame) return
    if (frame.type === 'welcome') this.welcome(frame)
    else this.hooks.onFrame(frame)
  }

  private welcome(frame: WelcomeFrame): void {
    if (frame.v !== PROTOCOL_VERSION) log.warn({ v: frame.v }, 'server speaks another protocol version')
    this.ready = true
    this.attempt = 0
    this.setState('online', null)
    this.hooks.onWelcome(frame)
  }

  /** Parse a slice of the unread frames and hand them over, in order. */
  step(deadline: number): boolean {
    const end = Math.min(deadline, performance.now() + PARSE_SLICE_MS)
    const socket = this.socket
    let frames: ServerReply[] = []
    const handOver = () => {
      if (frames.length === 0) return
      const batch = frames
      frames = []
      if (this.hooks.onFrames) this.hooks.onFrames(batch)
      else for (const f of batch) this.hooks.onFrame(f)
    }
    while (this.unreadFrom < this.unread.length && performance.now() < end) {
      const frame = parseServerFrame(this.unread[this.unreadFrom]!)
      this.unread[this.unreadFrom++] = ''
      if (!frame) continue
      if (frame.type === 'welcome') {
        handOver()
        this.welcome(frame)
      } else frames.push(frame)
    }
    handOver()
    // a hook may have dropped this socket (and its unread frames) meanwhile
    if (this.socket !== socket) return this.unreadFrom < this.unread.length
    const left = this.unread.length - this.unreadFrom
    if (this.paused && left < UNREAD_HIGH_WATER / 2) {
      this.paused = false
      socket?.resume()
    }
    if (left === 0 || this.unreadFrom >= UNREAD_HIGH_WATER) {
      this.unread = this.unread.slice(this.unreadFrom)
      this.unreadFrom = 0
    }
    return left > 0
  }

  /** Unread frames belong to their socket: a new one replays what matters. */
  private forgetUnread(): void {
    this.unread = []
    this.unreadFrom = 0
    this.paused = false
  }

  private scheduleReconnect(detail: string): void {
    this.clearRetry()
    if (!this.token) return
    const delay = backoffDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random)
    this.setState('offline', detail)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.open()
    }, delay)
  }

  private startHeartbeat(ws: WebSocket): void {
    this.stopHeartbeat()
    let alive = true
    ws.on('pong', () => {
      alive = true
    })
    this.heartbeat = setInterval(() => {
      if (!alive) {
        log.warn('no pong from the server; dropping the socket')
        ws.terminate()
        return
      }
      alive = false
      ws.ping()
    }, this.opts.heartbeatMs ?? 20_000)
    this.heartbeat.unref()
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  /** Forget the current socket (its late events are ignored) and make sure it goes away. */
  private dropSocket(): void {
    const socket = this.detachSocket()
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate()
  }

  /** Stop using the current socket: nothing more is read from it or sent on it. Returns it, for the caller to close. */
  private detachSocket(): WebSocket | null {
    const socket = this.socket
    this.socket = null
    this.ready = false
    this.forgetUnread()
    this.pacer?.clear()
    this.stopHeartbeat()
    return socket
  }

  private setState(state: ConnectionState, detail: string | null): void {
    if (state === this.state && state !== 'offline') return
    this.state = state
    this.hooks.onState(state, detail)
  }
}

/** One frame from the server, or null (logged, never thrown) when it is not valid protocol. */
export function parseServerFrame(raw: string): ServerFrame | null {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    log.warn({ bytes: raw.length }, 'frame is not JSON; ignored')
    return null
  }
  const parsed = ServerFrame.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    log.warn({ type: frameType(json), path: issue?.path.join('.'), issue: issue?.code }, 'invalid frame ignored')
    return null
  }
  return parsed.data
}

function closeGracefully(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate()
      resolve()
    }, 1_000)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'client closing')
    else if (socket.readyState === WebSocket.CONNECTING) socket.terminate()
  })
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function frameType(json: unknown): string | undefined {
  if (json && typeof json === 'object' && 'type' in json && typeof json.type === 'string') {
    return json.type.slice(0, 32)
  }
  return undefined
}

function closeDetail(code: number): string {
  if (code === 1006) return 'server unreachable'
  if (code === 1009) return 'frame too large'
  return `connection closed (${code})`
}
