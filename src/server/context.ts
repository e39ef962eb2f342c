import { logger } from '../shared/log'
import type { Bus } from './bus/types'
import type { ChatStore, Delivery, SessionRecord } from './store/types'

const log = logger('server.fanout')

/** What the protocol handlers need; nothing here knows which store or bus is behind it. */
export interface ChatContext {
  store: ChatStore
  bus: Bus
  /** Server wall clock, ms. Injected so tests can move time. */
  now: () => number
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
}

/** The authenticated party behind a connection. */
export type Actor = Pick<SessionRecord, 'username' | 'deviceId'>

/**
 * Wakes the connections of every user who got new events. The events are already
 * committed, so a failed publish only delays delivery until the next connect.
 */
export async function publishDeliveries(bus: Bus, deliveries: readonly Delivery[]): Promise<void> {
  const highest = new Map<string, number>()
  for (const { username, seq } of deliveries) highest.set(username, Math.max(seq, highest.get(username) ?? 0))
  await Promise.all(
    [...highest].map(([username, seq]) =>
      bus.publish(username, { kind: 'events', seq }).catch((err: unknown) => {
        log.error({ err, username, seq }, 'publishing events failed; delivery waits for the next connect')
      }),
    ),
  )
}
