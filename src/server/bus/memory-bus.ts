import { logger } from '../../shared/log'
import { LocalHandlers } from './local-handlers'
import type { Bus, BusHandler, BusMessage } from './types'

const log = logger('server.bus.memory')

/**
 * Single-process fan-out. Handlers run on a later microtask, as they would with a
 * networked bus. Nothing is ever lost here, so it never needs to send `resync`.
 */
export class MemoryBus implements Bus {
  private readonly handlers = new LocalHandlers(log)

  async publish(username: string, message: BusMessage): Promise<void> {
    await Promise.resolve()
    this.handlers.deliver(username, message)
  }

  subscribe(username: string, handler: BusHandler): () => void {
    return this.handlers.add(username, handler)
  }

  async close(): Promise<void> {
    this.handlers.clear()
  }
}
