/**
 * A TCP relay between one client and the server that reads the client's WebSocket frames
 * on the way through and reports every `received` acknowledgement the moment it passes.
 * Crash tests use it to SIGKILL a client right after an acknowledgement left it: if the
 * client ever acknowledged before its commit was durable, that commit is lost then, and
 * the server will never send those events again.
 */
import net from 'node:net'

export interface AckTap {
  /** ws://127.0.0.1:PORT to give the client instead of the server's URL. */
  url: string
  /** Called with the acknowledged seq, synchronously as the bytes arrive. */
  onAck: ((seq: number) => void) | null
  close(): Promise<void>
}

export async function startAckTap(serverUrl: string): Promise<AckTap> {
  const upstream = new URL(serverUrl)
  const sockets = new Set<net.Socket>()
  const tap: AckTap = { url: '', onAck: null, close }
  const server = net.createServer((client) => {
    const toServer = net.connect(Number(upstream.port), upstream.hostname)
    for (const s of [client, toServer]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        toServer.destroy()
      })
    }
    const reader = new ClientFrameReader((text) => {
      const m = /"type"\s*:\s*"received"\s*,\s*"seq"\s*:\s*(\d+)/.exec(text)
      if (m) tap.onAck?.(Number(m[1]))
    })
    client.on('data', (chunk) => {
      toServer.write(chunk)
      reader.push(chunk)
    })
    toServer.on('data', (chunk) => client.write(chunk))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  tap.url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return tap

  async function close(): Promise<void> {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Client → server bytes: the HTTP upgrade request, then masked WebSocket frames. */
class ClientFrameReader {
  private buffer = Buffer.alloc(0)
  private upgraded = false

  constructor(private readonly onText: (text: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk])
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      this.buffer = this.buffer.subarray(end + 4)
      this.upgraded = true
    }
    for (;;) {
      if (this.buffer.length < 2) return
      const opcode = this.buffer[0]! & 0x0f
      const masked = (this.buffer[1]! & 0x80) !== 0
      let length = this.buffer[1]! & 0x7f
      let offset = 2
      if (length === 126) {
        if (this.buffer.length < 4) return
        length = this.buffer.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (this.buffer.length < 10) return
        length = Number(this.buffer.readBigUInt64BE(2))
        offset = 10
      }
      const maskAt = offset
      if (masked) offset += 4
      if (this.buffer.length < offset + length) return
      if (opcode === 0x1) {
        const payload = Buffer.from(this.buffer.subarray(offset, offset + length))
        if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ this.buffer[maskAt + (i % 4)]!
        this.onText(payload.toString('utf8'))
      }
      this.buffer = this.buffer.subarray(offset + length)
    }
  }
}
