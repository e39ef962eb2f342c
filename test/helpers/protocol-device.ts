/**
 * A bare protocol client for fault runs: pipelines requests and resolves each with its
 * answer, or with null when the socket dies first (a request whose answer was lost has
 * an unknown outcome, which is exactly what a crash test needs to tell apart).
 */
import { WebSocket } from 'ws'
import { type EventFrame, PROTOCOL_VERSION, type ServerFrame, WS_PATH } from '../../src/shared/protocol'

type Answer = Exclude<ServerFrame, EventFrame>

export class ProtocolDevice {
  readonly events: EventFrame[] = []
  readonly closed: Promise<number>
  private readonly pending = new Map<string, (answer: Answer | null) => void>()
  private open = true

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame
      if (frame.type === 'event') {
        this.events.push(frame)
        return
      }
      const id = 'id' in frame ? frame.id : undefined
      const resolve = id === undefined ? undefined : this.pending.get(id)
      if (resolve) {
        this.pending.delete(id!)
        resolve(frame)
      }
    })
    ws.on('error', () => {})
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.open = false
        for (const resolve of this.pending.values()) resolve(null)
        this.pending.clear()
        resolve(code)
      }),
    )
  }

  /** Connects and completes the handshake; null when the server is not there. */
  static async connect(url: string, token: string): Promise<ProtocolDevice | null> {
    const ws = new WebSocket(url + WS_PATH, { headers: { authorization: `Bearer ${token}` } })
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true))
      ws.once('error', () => resolve(false))
    })
    if (!opened) return null
    const device = new ProtocolDevice(ws)
    const welcomed = await new Promise<boolean>((resolve) => {
      ws.once('message', (data) => resolve((JSON.parse(data.toString()) as ServerFrame).type === 'welcome'))
      void device.closed.then(() => resolve(false))
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION }))
    })
    if (!welcomed) {
      device.terminate()
      return null
    }
    return device
  }

  get isOpen(): boolean {
    return this.open
  }

  /** The answer to this request, or null if the connection ended before it came. */
  request(frame: { id: string } & Record<string, unknown>): Promise<Answer | null> {
    if (!this.open) return Promise.resolve(null)
    return new Promise((resolve) => {
      this.pending.set(frame.id, resolve)
      this.ws.send(JSON.stringify(frame))
    })
  }

  /** Fire and forget (acknowledgements). */
  post(frame: Record<string, unknown>): void {
    if (this.open) this.ws.send(JSON.stringify(frame))
  }

  /** Resolves once the server handled everything sent so far (frames are handled in order). */
  async settle(): Promise<boolean> {
    const id = crypto.randomUUID()
    return (await this.request({ type: 'lookup', id, username: 'settle' })) !== null
  }

  terminate(): void {
    this.ws.terminate()
  }

  async close(): Promise<void> {
    if (this.open) this.ws.close()
    await this.closed
  }
}
