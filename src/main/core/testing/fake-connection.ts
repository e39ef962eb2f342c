import type { ConnectionState } from '../../../shared/bridge'
import {
  PROTOCOL_VERSION,
  type ServerFrame,
  type ClientFrame,
  type ServerEvent,
  type WelcomeFrame,
} from '../../../shared/protocol'
import { parseServerFrame, type Connection, type ConnectionFactory, type ConnectionHooks } from '../net/connection'

/**
 * A connection with the server played by the test: it records what the core sends
 * and delivers what the test says, through the same parse step as the real socket.
 */
export class FakeConnection implements Connection {
  state: ConnectionState = 'offline'
  ready = false
  token: string | null = null
  readonly sent: ClientFrame[] = []
  private seq = 0

  constructor(private readonly hooks: ConnectionHooks) {}

  start(token: string): void {
    this.token = token
    this.setState('connecting')
  }

  async stop(): Promise<void> {
    this.token = null
    this.ready = false
    this.setState('offline')
  }

  send(frame: ClientFrame): boolean {
    if (!this.ready) return false
    this.sent.push(frame)
    return true
  }

  restart(): void {
    this.ready = false
    this.setState('offline')
  }

  injectFrame(raw: string): void {
    const frame = parseServerFrame(raw)
    if (!frame) return
    if (frame.type === 'welcome') {
      this.ready = true
      this.setState('online')
      this.hooks.onWelcome(frame)
    } else this.hooks.onFrame(frame)
  }

  // ---------------------------------------------------------------- the test's side

  welcome(username: string, extra: Partial<WelcomeFrame> = {}): void {
    this.deliver({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      username,
      deviceId: '00000000-0000-7000-8000-000000000000',
      serverTime: Date.now(),
      recallWindowSeconds: 120,
      adminRecallWindowSeconds: 0,
      ...extra,
    })
  }

  deliver(frame: ServerFrame): void {
    this.injectFrame(JSON.stringify(frame))
  }

  /** Deliver one event with the next seq; returns that seq. */
  event(event: ServerEvent, seq = ++this.seq): number {
    this.seq = Math.max(this.seq, seq)
    this.deliver({ type: 'event', seq, event })
    return seq
  }

  drop(): void {
    this.ready = false
    this.setState('offline')
  }

  /** The server refuses `token` (the current one by default). */
  unauthorized(token = this.token!): void {
    if (token !== this.token) {
      this.hooks.onUnauthorized(token)
      return
    }
    this.ready = false
    this.token = null
    this.setState('offline')
    this.hooks.onUnauthorized(token)
  }

  framesOf<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type)
  }

  clearSent(): void {
    this.sent.length = 0
  }

  private setState(state: ConnectionState): void {
    this.state = state
    this.hooks.onState(state, null)
  }
}

export function fakeConnectionFactory(): { factory: ConnectionFactory; get(): FakeConnection } {
  let current: FakeConnection | null = null
  return {
    factory: (hooks) => (current = new FakeConnection(hooks)),
    get: () => current!,
  }
}
