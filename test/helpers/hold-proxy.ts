/**
 * A TCP relay between clients and the server that can stop what clients write on their
 * current connections from reaching the server, as a network path that died silently
 * would, while connections made later pass straight through. A frame a client wrote after
 * the cut has left the device, and the server has not seen it.
 */
import net from 'node:net'

export interface HoldProxy {
  /** ws://127.0.0.1:PORT to give the client instead of the server's URL. */
  url: string
  /** From now on, client → server bytes of the connections open now are held back (later connections pass). */
  holdCurrent(): void
  close(): Promise<void>
}

export async function startHoldProxy(serverUrl: string): Promise<HoldProxy> {
  const target = new URL(serverUrl)
  const links = new Set<{ client: net.Socket; upstream: net.Socket; held: boolean }>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname)
    const link = { client, upstream, held: false }
    links.add(link)
    for (const s of [client, upstream]) {
      s.on('error', () => {})
      s.on('close', () => {
        links.delete(link)
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk) => {
      if (!link.held) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => client.write(chunk))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    holdCurrent() {
      for (const link of links) link.held = true
    },
    async close() {
      for (const { client, upstream } of links) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
