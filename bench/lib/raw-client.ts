/**
 * A load-generating protocol client: raw frames over `ws`, no validation, no database.
 * It stands in for many devices at once, so it does as little as a client can.
 */
import WebSocket from 'ws'
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, WS_PATH } from '../../src/shared/protocol'

// Frames are parsed loosely on purpose: the load generator trusts the server under test.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFrame = any

export class RawClient {
  onFrame: (frame: AnyFrame) => void = () => {}
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.onFrame(JSON.parse(data.toString())))
  }

  /** Opens an authenticated socket and completes the handshake (resolves on `welcome`). */
  static connect(serverUrl: string, token: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(serverUrl + WS_PATH, {
        headers: { authorization: `Bearer ${token}` },
        maxPayload: MAX_FRAME_BYTES,
        perMessageDeflate: false,
      })
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, client: 'parley-bench' })))
      ws.once('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string }
        if (frame.type !== 'welcome') return reject(new Error(`expected welcome, got ${frame.type}`))
        ws.off('error', reject)
        ws.on('error', () => {})
        resolve(new RawClient(ws))
      })
    })
  }

  /** A bare socket (for the baseline relay): no handshake. */
  static connectBare(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false })
      ws.once('error', reject)
      ws.once('open', () => {
        ws.off('error', reject)
        ws.on('error', () => {})
        resolve(new RawClient(ws))
      })
    })
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame))
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

/** Connects in bounded parallel batches: a thousand simultaneous upgrades would measure the backlog. */
export async function connectAll<T>(count: number, open: (i: number) => Promise<T>, batch = 50): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < count; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => open(i + k)))))
  }
  return out
}
