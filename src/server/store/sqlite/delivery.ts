import type Database from 'better-sqlite3'
import { newId } from '../../../shared/ids'
import type { AckResult, Delivery } from '../types'
import { appendEvent, lastSeq, nextTimestamp, receiptEvent } from './log'
import { selectDeviceCursor } from './accounts'
import { prepare } from '../../../node/sqlite/statements'

/**
 * Per sender and conversation, the newest message from others in (afterSeq, upToSeq] of
 * this user's log: what this acknowledgement delivered.
 */
const NEWLY_DELIVERED = `
  SELECT m.conversation_id, m.sender, max(m.ts) AS up_to
  FROM events e JOIN messages m ON m.id = e.ref_id
  WHERE e.username = ? AND e.seq > ? AND e.seq <= ? AND e.kind = 'message' AND m.sender <> ?
  GROUP BY m.conversation_id, m.sender`

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

  const delivered = prepare(db, NEWLY_DELIVERED).all(ack.username, previous, cursor, ack.username) as {
    conversation_id: string
    sender: string
    up_to: number
  }[]
  const deliveries: Delivery[] = []
  for (const d of delivered) {
    // another device or member acknowledged these already: the sender has its receipt
    const mark = prepare(db, 'SELECT up_to FROM delivery_marks WHERE conversation_id = ? AND sender = ?').pluck().get(d.conversation_id, d.sender) as
      | number
      | undefined
    if (mark !== undefined && mark >= d.up_to) continue
    prepare(
      db,
      `INSERT INTO delivery_marks (conversation_id, sender, up_to) VALUES (?, ?, ?)
       ON CONFLICT (conversation_id, sender) DO UPDATE SET up_to = excluded.up_to`,
    ).run(d.conversation_id, d.sender, d.up_to)
    const receipt = { id: newId(), conversationId: d.conversation_id, upTo: d.up_to, deliveredAt: nextTimestamp(db, ack.now) }
    prepare(db, 'INSERT INTO receipts (id, conversation_id, up_to, delivered_at) VALUES (?, ?, ?, ?)').run(
      receipt.id,
      receipt.conversationId,
      receipt.upTo,
      receipt.deliveredAt,
    )
    deliveries.push(appendEvent(db, d.sender, { event: receiptEvent(receipt), receiptId: receipt.id }))
  }
  return { cursor, deliveries }
}
