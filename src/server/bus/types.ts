import type { StoredEvent } from '../store/types'

/**
 * Fan-out between the code that changes a user's state and that user's open connections.
 * Messages are addressed to a username. The in-process bus is the default; a networked
 * one (NATS, Redis) lets several server processes share users without touching protocol
 * code. The log in the store stays the source of truth: an `events` message may carry
 * the events just committed, so that a connection exactly caught up sends them without
 * reading them back; a connection that is behind, or gets them late, twice or out of
 * order, reads the log instead. A lost or reordered message delays delivery but never
 * loses or reorders events.
 */
export type BusMessage =
  /** The user's log has events up to `seq`; `events`, when present, are the newest of them in order, ending at `seq`. */
  | { kind: 'events'; seq: number; events?: readonly StoredEvent[] }
  /** These sessions are gone: their sockets must close. */
  | { kind: 'sessions-revoked'; sessionIds: string[] }
  /** A device said hello; `helloId` is time-ordered, and the device's connections with an older one must close. */
  | { kind: 'device-connected'; deviceId: string; helloId: string }
  /**
   * Notices may have been lost (a networked bus reconnected, or its periodic check came
   * round): re-read the log after what was sent, and re-check the session. A bus delivers
   * it to its local handlers itself; nobody needs to publish it.
   */
  | { kind: 'resync' }

export type BusHandler = (message: BusMessage) => void

export interface Bus {
  publish(username: string, message: BusMessage): Promise<void>
  /** Returns the unsubscribe function. */
  subscribe(username: string, handler: BusHandler): () => void
  close(): Promise<void>
}
