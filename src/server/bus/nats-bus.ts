/**
 * Fan-out between the nodes of a cluster over NATS: one subject per user, JSON messages.
 *
 * A node's own publishes go straight to its own handlers (as with MemoryBus) and to NATS
 * for the other nodes; the connection is opened with `noEcho`, so NATS does not hand a
 * node its own messages a second time. Local delivery so keeps working, and stays fast,
 * whatever NATS is doing.
 *
 * NATS core delivers at most once: a message published while a node is cut off from the
 * server is lost to that node. That is fine because the store is the source of truth and
 * every message here is only a notice. Two things make sure a lost notice only delays:
 * after every reconnect, and once every `checkIntervalMs`, each local handler gets `resync`,
 * on which a connection re-reads its log after what it sent and re-checks its session.
 */
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { logger } from '../../shared/log'
import { natsServers, natsUrlProblem, redactUrl } from '../engine-urls'
import { LocalHandlers } from './local-handlers'
import type { Bus, BusHandler, BusMessage } from './types'
import { decodeBusMessage, encodeBusMessage } from './wire'

const log = logger('server.bus.nats')

export interface NatsBusOptions {
  /** Subjects are `<prefix>.<user>`; nodes of one cluster must agree on it. Default `parley.user`. */
  subjectPrefix?: string
  /** How often every local handler gets `resync` to catch notices lost without a reconnect; 0 = never. Default 30 s. */
  checkIntervalMs?: number
  /** How long the first connection may take. Default 5 s. */
  connectTimeoutMs?: number
  /** Pause between reconnect attempts (the client retries forever). Default 1 s. */
  reconnectWaitMs?: number
  /** Shown in the NATS server's connection list. */
  name?: string
}

export const DEFAULT_CHECK_INTERVAL_MS = 30_000
/**
 * The periodic check visits the users a tenth at a time, spread over the interval: each
 * socket costs a log read and a session lookup, and a node with thousands of them must not
 * send the database thousands of queries in one burst.
 */
const CHECK_SLICES = 10
/** NATS's own default; the server tells the real one on connect. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024
const SAFE_TOKEN = /^[a-z0-9_]+$/

/**
 * The subject of a user's notices. Usernames are `[a-z0-9_]` (shared/protocol.ts), which
 * is a valid subject token as is; anything else (never expected) is hex-encoded behind a
 * `~`, a character no username has, so two names can never share a subject and no name
 * can smuggle in `.`, `*`, `>` or whitespace.
 */
export function userSubject(prefix: string, username: string): string {
  const token = SAFE_TOKEN.test(username) ? username : `~${Buffer.from(username, 'utf8').toString('hex')}`
  return `${prefix}.${token}`
}

export class NatsBus implements Bus {
  private readonly handlers = new LocalHandlers(log)
  private readonly subscriptions = new Map<string, Subscription>()
  private readonly prefix: string
  private readonly checkTimer: NodeJS.Timeout | null
  /** Users the current round of the periodic check has yet to visit. */
  private checkRound: string[] = []
  private checkSlice = 0
  private readonly statusWatch: Promise<void>
  private closing: Promise<void> | null = null

  /** Connects to the NATS server at `url` (or one of a comma-separated list); the error says why not, in one line. */
  static async connect(url: string, options: NatsBusOptions = {}): Promise<NatsBus> {
    const problem = natsUrlProblem(url)
    if (problem) throw new Error(problem)
    let nc: NatsConnection
    try {
      nc = await connect({
        servers: natsServers(url),
        name: options.name ?? 'parley-server',
        timeout: options.connectTimeoutMs ?? 5_000,
        noEcho: true,
        // a node outlives any NATS outage: it keeps serving its own users and catches up after
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectWaitMs ?? 1_000,
        waitOnFirstConnect: false,
      })
    } catch (err) {
      const where = natsServers(url).map(redactUrl).join(',')
      throw new Error(`cannot connect to NATS at ${where}: ${reason(err)}`, { cause: err })
    }
    return new NatsBus(nc, options)
  }

  private constructor(
    private readonly nc: NatsConnection,
    options: NatsBusOptions,
  ) {
    this.prefix = options.subjectPrefix ?? 'parley.user'
    this.statusWatch = this.watchStatus()
    const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS
    this.checkTimer = interval > 0 ? setInterval(() => this.checkNextSlice(), Math.max(1, interval / CHECK_SLICES)) : null
    this.checkTimer?.unref()
    void nc.closed().then((err) => {
      if (!this.closing) log.error({ err }, 'NATS connection closed for good; only local fan-out is left')
    })
    log.info({ server: nc.getServer() }, 'connected to NATS')
  }

  async publish(username: string, message: BusMessage): Promise<void> {
    if (this.closing) return
    const payload = encodeBusMessage(message, this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD)
    // handlers run on a later microtask, as for any bus: the publisher finishes its turn first
    await Promise.resolve()
    this.handlers.deliver(username, message)
    if (!payload) {
      log.error({ username, kind: message.kind }, 'bus message larger than the NATS payload limit; not sent to other nodes')
      return
    }
    try {
      this.nc.publish(userSubject(this.prefix, username), payload)
    } catch (err) {
      // the notice is lost for the other nodes, not the change: their periodic check catches it
      log.error({ err, username, kind: message.kind }, 'publishing to NATS failed')
    }
  }

  subscribe(username: string, handler: BusHandler): () => void {
    return this.handlers.add(
      username,
      handler,
      () => this.subscribeUser(username),
      () => this.unsubscribeUser(username),
    )
  }

  /** Resolves once the NATS server has received everything published so far (one round trip). */
  async flush(): Promise<void> {
    await this.nc.flush()
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.checkTimer) clearInterval(this.checkTimer)
      this.handlers.clear()
      this.subscriptions.clear()
      await this.nc.close()
      await this.statusWatch
    })()
    return this.closing
  }

  private subscribeUser(username: string): void {
    const subject = userSubject(this.prefix, username)
    try {
      const sub = this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            log.error({ err, subject }, 'NATS subscription failed')
            return
          }
          const decoded = decodeBusMessage(msg.data)
          if (!decoded.ok) {
            log.warn({ subject, bytes: msg.data.length, why: decoded.why }, 'malformed bus message dropped')
            return
          }
          this.handlers.deliver(username, decoded.message)
        },
      })
      this.subscriptions.set(username, sub)
    } catch (err) {
      // closed or draining: only local deliveries reach this user's handlers from now on
      log.error({ err, subject }, 'subscribing on NATS failed')
    }
  }

  /** Sends `resync` to the next slice of this round's users; a new round starts when one ends. */
  private checkNextSlice(): void {
    if (this.checkRound.length === 0) {
      this.checkRound = this.handlers.usernames()
      this.checkSlice = Math.ceil(this.checkRound.length / CHECK_SLICES)
    }
    // users who left since the round began have no handlers any more: delivering to them is a no-op
    for (const username of this.checkRound.splice(0, this.checkSlice)) this.handlers.deliver(username, { kind: 'resync' })
  }

  /** Runs from a socket's close handler: it must not throw, whatever state NATS is in. */
  private unsubscribeUser(username: string): void {
    const sub = this.subscriptions.get(username)
    this.subscriptions.delete(username)
    try {
      sub?.unsubscribe()
    } catch (err) {
      log.warn({ err, username }, 'unsubscribing on NATS failed')
    }
  }

  private resyncAll(): void {
    log.info({ users: this.handlers.users }, 'resync after reconnect')
    this.handlers.broadcast({ kind: 'resync' })
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case 'disconnect':
          log.warn({ server: status.server }, 'disconnected from NATS; reconnecting')
          break
        case 'reconnect':
          // the client has subscribed again; what was published meanwhile is in the logs
          log.info({ server: status.server }, 'reconnected to NATS')
          this.resyncAll()
          break
        case 'error':
          log.error({ err: status.error }, 'NATS error')
          break
        case 'slowConsumer':
          // NATS drops what does not fit: the check after the next reconnect or tick catches up
          log.warn({ pending: status.pending }, 'NATS slow consumer; notices may be dropped')
          break
        default:
          break
      }
    }
  }
}

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause instanceof Error ? err.cause.message : null
  return cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message
}
