import type Database from 'better-sqlite3'
import type { AckResult, Delivery } from '../types'
import { appendEvent, lastSeq, nextTimestamp, receiptEvent } from './log'
import { selectDeviceCursor } from './accounts'
import { prepare } from '../../../node/sqlite/statements'

/** Messages from others in (afterSeq, upToSeq] of this user's log that nobody received yet. */
const UNDELIVERED_FROM_OTHERS = `
  SELECT m.id, m.sender, m.conversation_id
  FROM events e JOIN messages m ON m.id = e.ref_id
  WHERE e.username = ? AND e.seq > ? AND e.seq <= ? AND e.kind = 'message'
    AND m.sender <> ? AND m.delivered_at IS NULL
  ORDER BY e.seq`

/** Call inside a transaction. */
export function ackDevice(
  db: Database.Database,
  ack: { username: string; deviceId: string; seq: number; now: number },
): AckResult {
  const previous = selectDeviceCursor(db, ack.username, ack.deviceId)
  // a device cannot acknowledge what was never handed out; clamping keeps it from skipping future events
  const cursor = Math.min(ack.seq, lastSeq(db, ack.username))
  if (cursor <= previous) return { cursor: previous, deliveries: [] }

  prepare(
    db,
    `INSERT INTO devices (username, device_id, cursor) VALUES (?, ?, ?)
     ON CONFLICT (username, device_id) DO UPDATE SET cursor = excluded.cursor`,
  ).run(ack.username, ack.deviceId, cursor)

  const undelivered = prepare(db, UNDELIVERED_FROM_OTHERS).all(ack.username, previous, cursor, ack.username) as {
    id: string
    sender: string
    conversation_id: string
  }[]
  if (undelivered.length === 0) return { cursor, deliveries: [] }

  const deliveredAt = nextTimestamp(db, ack.now)
  const markDelivered = prepare(db, 'UPDATE messages SET delivered_at = ? WHERE id = ?')
  const deliveries: Delivery[] = undelivered.map((message) => {
    markDelivered.run(deliveredAt, message.id)
    return appendEvent(db, message.sender, receiptEvent(message.id, message.conversation_id, deliveredAt))
  })
  return { cursor, deliveries }
}
