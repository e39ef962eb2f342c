import net from 'node:net'

/**
 * A loopback port nobody listens on right now, for a program that must be told its port
 * up front (PostgreSQL, HAProxy) and keep it across restarts.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}
