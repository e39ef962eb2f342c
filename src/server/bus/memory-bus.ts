import { logger } from '../../shared/log'
import type { Bus, BusHandler, BusMessage } from './types'

const log = logger('server.bus.memory')

/** Single-process fan-out. Handlers run on a later microtask, as they would with a networked bus. */
export class MemoryBus implements Bus {
  private readonly subscribers = new Map<string, Set<BusHandler>>()

  async publish(username: string, message: BusMessage): Promise<void> {
    await Promise.resolve()
    const handlers = this.subscribers.get(username)
    if (!handlers) return
    for (const handler of [...handlers]) {
      try {
        handler(message)
      } catch (err) {
        log.error({ err, username, kind: message.kind }, 'bus handler failed')
      }
    }
  }

  subscribe(username: string, handler: BusHandler): () => void {
    let handlers = this.subscribers.get(username)
    if (!handlers) {
      handlers = new Set()
      this.subscribers.set(username, handlers)
    }
    handlers.add(handler)
    return () => {
      const current = this.subscribers.get(username)
      if (!current) return
      current.delete(handler)
      if (current.size === 0) this.subscribers.delete(username)
    }
  }

  async close(): Promise<void> {
    this.subscribers.clear()
  }
}
