import type { Connection } from './connection'

/** The open connections of this process: heartbeats and shutdown. */
export class ConnectionRegistry {
  private readonly connections = new Set<Connection>()
  private heartbeatTimer: NodeJS.Timeout | null = null

  add(connection: Connection): void {
    this.connections.add(connection)
  }

  remove(connection: Connection): void {
    this.connections.delete(connection)
  }

  get size(): number {
    return this.connections.size
  }

  startHeartbeat(intervalMs: number): void {
    this.heartbeatTimer = setInterval(() => {
      for (const connection of this.connections) connection.heartbeat()
    }, intervalMs)
    this.heartbeatTimer.unref()
  }

  /**
   * Closes every connection with `code`, waits up to `graceMs` for the close handshakes,
   * terminates the rest, then waits for frames already being handled to finish, so the
   * store can be closed safely afterwards.
   */
  async shutdown(code: number, reason: string, graceMs: number): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    const connections = [...this.connections]
    for (const connection of connections) connection.close(code, reason)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(connections.map((c) => c.closed)),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ])
    clearTimeout(timer)
    for (const connection of connections) connection.terminate()
    await Promise.all(connections.map((c) => Promise.all([c.closed, c.settled()])))
  }
}
