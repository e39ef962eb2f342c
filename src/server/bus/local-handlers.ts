import type { Logger } from '../../shared/log'
import type { BusHandler, BusMessage } from './types'

/**
 * The handlers subscribed in this process, by username: what every bus delivers to in
 * the end. A failing handler is logged and does not keep the others from their message.
 */
export class LocalHandlers {
  private readonly byUser = new Map<string, Set<BusHandler>>()

  constructor(private readonly log: Logger) {}

  /** `onFirst`/`onLast` let a networked bus hold one subscription per user, not per handler. */
  add(username: string, handler: BusHandler, onFirst?: () => void, onLast?: () => void): () => void {
    let handlers = this.byUser.get(username)
    if (!handlers) {
      handlers = new Set()
      this.byUser.set(username, handlers)
      onFirst?.()
    }
    handlers.add(handler)
    let removed = false
    return () => {
      if (removed) return
      removed = true
      const current = this.byUser.get(username)
      if (!current) return
      current.delete(handler)
      if (current.size === 0) {
        this.byUser.delete(username)
        onLast?.()
      }
    }
  }

  deliver(username: string, message: BusMessage): void {
    const handlers = this.byUser.get(username)
    if (!handlers) return
    for (const handler of [...handlers]) {
      try {
        handler(message)
      } catch (err) {
        this.log.error({ err, username, kind: message.kind }, 'bus handler failed')
      }
    }
  }

  /** Delivers to every local handler of every user. */
  broadcast(message: BusMessage): void {
    for (const username of [...this.byUser.keys()]) this.deliver(username, message)
  }

  usernames(): string[] {
    return [...this.byUser.keys()]
  }

  get users(): number {
    return this.byUser.size
  }

  clear(): void {
    this.byUser.clear()
  }
}
