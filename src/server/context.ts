import { logger } from '../shared/log'
import type { Bus } from './bus/types'
import type { ChatStore, Delivery, SessionRecord, StoredEvent } from './store/types'
import type { TurnWrites } from './turn-writes'

const log = logger('server.fanout')

/** What the protocol handlers need; nothing here knows which store or bus is behind it. */
export interface ChatContext {
  store: ChatStore
  /** The store's hot writes, batched per turn of the event loop. */
  writes: TurnWrites
  bus: Bus
  /** Server wall clock, ms. Injected so tests can move time. */
  now: () => number
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
}

/** The authenticated party behind a connection. */
export type Actor = Pick<SessionRecord, 'username' | 'deviceId'>

/**
 * Hands each user's new events to that user's connections. The events are already
 * committed, so a failed publish only delays delivery until the next connect.
 *
 * The actor's own devices come last: the others are waiting for the news (a withdrawn
 * message is on their screens), while the actor's device has it already and gets its
 * answer right after.
 */
export async function publishDeliveries(bus: Bus, deliveries: readonly Delivery[], actor: string): Promise<void> {
  const byUser = new Map<string, StoredEvent[]>()
  for (const { username, seq, event } of deliveries) {
    const events = byUser.get(username)
    if (events) events.push({ seq, event })
    else byUser.set(username, [{ seq, event }])
  }
  const users = [...byUser].sort(([a], [b]) => Number(a === actor) - Number(b === actor))
  await Promise.all(
    users.map(([username, events]) => {
      events.sort((a, b) => a.seq - b.seq)
      const seq = events[events.length - 1]!.seq
      return bus.publish(username, { kind: 'events', seq, events }).catch((err: unknown) => {
        log.error({ err, username, seq }, 'publishing events failed; delivery waits for the next connect')
      })
    }),
  )
}
