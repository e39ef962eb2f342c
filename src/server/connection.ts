/**
 * One authenticated WebSocket: the handshake, then frames processed strictly one after
 * another (the store is async, and a `send` must be acknowledged before a later `cmd`
 * that withdraws it is looked at), then the user's log streamed to the device.
 *
 * A connection only exists for an authenticated session (it is created after the upgrade
 * was authorized), and nothing it does can throw out of a socket event handler.
 */
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket } from 'ws'
import { newId } from '../shared/ids'
import { type Logger, logger } from '../shared/log'
import { type ClientFrame, PROTOCOL_VERSION, type ServerFrame } from '../shared/protocol'
import type { BusMessage } from './bus/types'
import { CloseCode } from '../shared/protocol'
import type { ChatContext } from './context'
import { errorFrame, parseClientFrame, peekId } from './frames'
import { acknowledge, lookupUser, sendMessage } from './messaging'
import { type BucketLimits, type KeyedRateLimiter, TokenBucket } from './rate-limit'
import type { SessionRecord, StoredEvent } from './store/types'
import { withdrawMessage } from './withdraw'
import { handleGroupFrame } from './groups'

export interface ConnectionConfig {
  helloTimeoutMs: number
  /** Per-connection frame rate; frames beyond it are answered with RATE_LIMITED and dropped. */
  frameLimits: BucketLimits
  /** Events read from the store and written to the socket at a time. */
  replayPageSize: number
}

export interface ConnectionDeps {
  ctx: ChatContext
  config: ConnectionConfig
  /**
   * Frame budget shared by all connections of one user (keyed by username): a user who
   * opens many devices does not get many times the per-connection budget.
   */
  userFrames: KeyedRateLimiter
  /** Re-checks the session once registered: closes the race with a revoke during the upgrade. */
  sessionStillValid: () => Promise<boolean>
  onClosed: (connection: Connection) => void
}

/** Stop reading the socket while this many frames wait, resume below the low mark. */
const PAUSE_AT = 64
const RESUME_AT = 16
/** Live events stop going straight out while this much is unsent: a slow reader then gets the log a page at a time. */
const LIVE_BUFFER_LIMIT = 1 << 20

export class Connection {
  readonly id = newId()
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>
  private open = true
  private greeted = false
  /** Once revoked, nothing more is done for this session, not even frames already received. */
  private revoked = false
  /** Time-ordered id of this connection's hello: the newest hello of a device wins. */
  private helloId: string | null = null
  private work: Promise<void> = Promise.resolve()
  private queued = 0
  private paused = false
  /** Highest seq written to this socket (starts at the device's cursor). */
  private sentSeq = 0
  private pullScheduled = false
  /** A read of the log is under way: live events wait for it (they may be in the page it returns). */
  private pulling = false
  private alive = true
  /** The socket is corked until the end of this tick (see `send`). */
  private corked = false
  private readonly frameBucket: TokenBucket
  private readonly helloTimer: NodeJS.Timeout
  private readonly unsubscribe: () => void
  private readonly log: Logger

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under `ws`. */
    private readonly socket: Duplex,
    readonly session: SessionRecord,
    private readonly deps: ConnectionDeps,
  ) {
    this.log = logger('server.connection', {
      connectionId: this.id,
      username: session.username,
      deviceId: session.deviceId,
    })
    this.frameBucket = new TokenBucket(deps.config.frameLimits)
    let markClosed!: () => void
    this.closed = new Promise((resolve) => (markClosed = resolve))

    ws.on('error', (err) => this.log.info({ err: err.message }, 'socket error'))
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary))
    ws.on('pong', () => {
      this.alive = true
    })
    ws.on('close', (code) => {
      this.open = false
      clearTimeout(this.helloTimer)
      this.unsubscribe()
      deps.onClosed(this)
      this.log.info({ code }, 'connection closed')
      markClosed()
    })

    this.unsubscribe = deps.ctx.bus.subscribe(session.username, (message) => this.onBusMessage(message))
    this.helloTimer = setTimeout(
      () => this.close(CloseCode.HELLO_TIMEOUT, 'no hello received in time'),
      deps.config.helloTimeoutMs,
    )
    this.enqueue(async () => {
      if (!(await deps.sessionStillValid())) this.revoke()
    })
    this.log.info('connection opened')
  }

  close(code: number, reason: string): void {
    if (!this.open) return
    this.open = false
    this.ws.close(code, reason)
  }

  terminate(): void {
    this.open = false
    this.ws.terminate()
  }

  private revoke(): void {
    this.revoked = true
    this.close(CloseCode.SESSION_REVOKED, 'session revoked')
  }

  /** Called on every heartbeat tick: a socket that missed the last ping is dead. */
  heartbeat(): void {
    if (!this.alive) {
      this.log.info('no pong since the last ping; terminating')
      this.terminate()
      return
    }
    this.alive = false
    this.ws.ping()
  }

  /** Resolves when every frame received so far has been handled. */
  settled(): Promise<void> {
    return this.work
  }

  // ---------------------------------------------------------------- inbound

  private onFrame(data: RawData, isBinary: boolean): void {
    if (!this.open) return
    const byConnection = this.frameBucket.take()
    const allowed = byConnection.ok ? this.deps.userFrames.take(this.session.username) : byConnection
    if (!allowed.ok) {
      // keep only the id: a flood must not pile up frames in memory
      const id = peekId(data, isBinary)
      const what = byConnection.ok ? 'from this account' : 'on this connection'
      const message = `too many frames ${what}; retry in ${allowed.retryAfterMs} ms`
      this.enqueue(async () => this.send(errorFrame('RATE_LIMITED', message, id)))
      return
    }
    this.enqueue(() => this.handleFrame(data, isBinary))
  }

  /** Runs tasks one at a time in arrival order; reading pauses while too many wait. */
  private enqueue(task: () => Promise<void>): void {
    this.queued++
    if (!this.paused && this.queued >= PAUSE_AT) {
      this.paused = true
      this.ws.pause()
    }
    this.work = this.work.then(async () => {
      try {
        // frames that arrived before a close are still handled (an ack sent just before
        // quitting counts; replies to a closed socket are simply not written), unless the
        // session was revoked
        if (!this.revoked) await task()
      } catch (err) {
        this.log.error({ err }, 'connection task failed')
      } finally {
        this.queued--
        if (this.paused && this.queued <= RESUME_AT) {
          this.paused = false
          this.ws.resume()
        }
      }
    })
  }

  private async handleFrame(data: RawData, isBinary: boolean): Promise<void> {
    const parsed = parseClientFrame(data, isBinary)
    if (!parsed.ok) {
      this.send(errorFrame('BAD_FRAME', parsed.message, parsed.id))
      return
    }
    try {
      await this.dispatch(parsed.frame)
    } catch (err) {
      this.log.error({ err, type: parsed.frame.type }, 'frame handling failed')
      this.send(errorFrame('INTERNAL', 'the server could not handle this frame; retry later', idOf(parsed.frame)))
    }
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    if (!this.greeted && frame.type !== 'hello') {
      this.send(errorFrame('HELLO_REQUIRED', 'the first frame must be hello', idOf(frame)))
      return
    }
    const { ctx } = this.deps
    if (frame.type === 'send' || frame.type === 'cmd') {
      // ids only: a fault run's flight record matches them against what the clients did
      this.log.debug({ type: frame.type, id: frame.id, msgId: frame.type === 'cmd' ? frame.ext.msgId : frame.id }, 'frame')
    }
    switch (frame.type) {
      case 'hello':
        return this.hello(frame.v)
      case 'send':
        return this.send(await sendMessage(ctx, this.session, frame))
      case 'cmd':
        return this.send(await withdrawMessage(ctx, this.session, frame))
      case 'received':
        return acknowledge(ctx, this.session, frame.seq)
      case 'lookup':
        return this.send(await lookupUser(ctx, frame))
      case 'group':
        return this.send(await handleGroupFrame(ctx, this.session, frame))
      default: {
        const unhandled: never = frame
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`)
      }
    }
  }

  private async hello(version: number): Promise<void> {
    if (this.greeted) {
      this.send(errorFrame('BAD_FRAME', 'hello was already received on this connection'))
      return
    }
    if (version !== PROTOCOL_VERSION) {
      this.send(errorFrame('UNSUPPORTED_VERSION', `this server speaks protocol version ${PROTOCOL_VERSION}`))
      this.close(CloseCode.PROTOCOL_ERROR, 'unsupported protocol version')
      return
    }
    clearTimeout(this.helloTimer)
    const { ctx } = this.deps
    const { username, deviceId } = this.session
    this.sentSeq = await ctx.store.deviceCursor(username, deviceId)
    if (!this.open) return
    this.greeted = true
    this.helloId = newId()
    this.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      username,
      deviceId,
      serverTime: ctx.now(),
      recallWindowSeconds: ctx.recallWindowSeconds,
      adminRecallWindowSeconds: ctx.adminRecallWindowSeconds,
    })
    this.log.info({ cursor: this.sentSeq }, 'hello')
    await ctx.bus.publish(username, { kind: 'device-connected', deviceId, helloId: this.helloId })
    await this.deliverPending()
  }

  // ---------------------------------------------------------------- outbound

  private onBusMessage(message: BusMessage): void {
    switch (message.kind) {
      case 'events':
        if (this.open && this.greeted && message.seq > this.sentSeq && !this.sendLive(message.events)) {
          this.schedulePull()
        }
        return
      case 'sessions-revoked':
        if (message.sessionIds.includes(this.session.id)) this.revoke()
        return
      case 'device-connected':
        // the older connection yields; the newer one ignores the older's announcement
        if (message.deviceId === this.session.deviceId && this.helloId !== null && message.helloId > this.helloId) {
          this.close(CloseCode.REPLACED, 'replaced by a newer connection of this device')
        }
        return
      case 'resync':
        this.resync()
        return
      default: {
        const unhandled: never = message
        this.log.warn({ message: unhandled }, 'unknown bus message')
      }
    }
  }

  /**
   * The bus may have lost notices (it reconnected, or its periodic check came round): read
   * the log after what was sent, the same catch-up path as for a notice that cannot be sent
   * as is, and re-check the session, whose revocation may have been among the lost.
   */
  private resync(): void {
    if (!this.open) return
    this.enqueue(async () => {
      if (!(await this.deps.sessionStillValid())) this.revoke()
    })
    if (this.greeted) this.schedulePull()
  }

  /**
   * Events just committed go straight to the socket when they continue exactly where it
   * is and nothing is being read from the log: most deliveries then cost no read of what
   * the writer had in hand. Anything else (a gap, a late or repeated notification, a
   * replay under way, a slow reader) returns false and the log is read instead.
   */
  private sendLive(events: readonly StoredEvent[] | undefined): boolean {
    if (!events || this.pulling || this.pullScheduled) return false
    if (this.ws.readyState !== WebSocket.OPEN || this.ws.bufferedAmount > LIVE_BUFFER_LIMIT) return false
    if (!events.every((e, i) => e.seq === this.sentSeq + 1 + i)) return false
    for (const { seq, event } of events) this.send({ type: 'event', seq, event })
    this.sentSeq = events[events.length - 1]!.seq
    return true
  }

  /** The log is read in seq order, so notifications that arrive late, twice or out of order are harmless. */
  private schedulePull(): void {
    if (this.pullScheduled) return
    this.pullScheduled = true
    this.enqueue(() => this.deliverPending())
  }

  private async deliverPending(): Promise<void> {
    this.pullScheduled = false
    this.pulling = true
    try {
      const { store } = this.deps.ctx
      const { replayPageSize } = this.deps.config
      while (this.open && this.greeted) {
        const page = await store.eventsAfter(this.session.username, this.sentSeq, replayPageSize)
        if (page.length === 0) return
        this.sentSeq = page[page.length - 1]!.seq
        await this.sendAll(page.map(({ seq, event }): ServerFrame => ({ type: 'event', seq, event })))
        if (page.length < replayPageSize) return
      }
    } finally {
      this.pulling = false
    }
  }

  private send(frame: ServerFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    this.corkUntilEndOfTick()
    this.ws.send(JSON.stringify(frame))
  }

  /**
   * Frames for one socket come in bursts within one tick (the events of a group commit, a
   * device's receipts, an ack after its echo): corked, they leave in one `writev` instead of
   * a system call each, which a CPU profile under load put at a fifth of the server's time.
   * Uncorked once this tick's callbacks and promise reactions have run, so nothing waits
   * for a later turn of the event loop.
   */
  private corkUntilEndOfTick(): void {
    if (this.corked) return
    this.corked = true
    this.socket.cork()
    process.nextTick(() => {
      this.corked = false
      this.socket.uncork()
    })
  }

  /** Resolves once the last frame reached the socket, so a slow reader holds one page, not the whole log. */
  private sendAll(frames: ServerFrame[]): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve()
      this.corkUntilEndOfTick()
      frames.forEach((frame, i) => {
        this.ws.send(JSON.stringify(frame), i === frames.length - 1 ? () => resolve() : undefined)
      })
    })
  }
}

function idOf(frame: ClientFrame): string | undefined {
  return 'id' in frame ? frame.id : undefined
}
