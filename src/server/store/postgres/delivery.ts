/**
 * Acknowledgements: device cursors and the delivery marks (receipts) they produce.
 *
 * An ack is written in two steps so that its locks follow the fixed order of log.ts even in
 * a batch: first every device row is locked and moved and what each ack newly delivered is
 * read (`moveCursors`); then the conversations and senders' logs those receipts go to are
 * locked together, and the marks are written in the order of the acks (`writeReceipts`).
 */
import { newId } from '../../../shared/ids'
import { receiptEvent } from '../events'
import type { AckResult, DeviceAck, Delivery } from '../types'
import { appendEventToLogs, lastSeq, lockCounters, nextTimestamp } from './log'
import { query, queryOne, type Sql, statement } from './sql'

const CREATE_DEVICES = statement(
  'create_devices',
  `INSERT INTO devices (username, device_id)
   SELECT u, d FROM unnest($1::text[], $2::text[]) AS k (u, d) ORDER BY u, d
   ON CONFLICT DO NOTHING`,
)
// in the database's order, like every other lock (log.ts)
const LOCK_DEVICES = statement(
  'lock_devices',
  `SELECT d.username FROM devices d JOIN unnest($1::text[], $2::text[]) AS k (u, dev) ON d.username = k.u AND d.device_id = k.dev
   ORDER BY d.username, d.device_id FOR UPDATE OF d`,
)
const SELECT_CURSOR = statement('select_cursor', 'SELECT cursor FROM devices WHERE username = $1 AND device_id = $2')
const SET_CURSOR = statement('set_cursor', 'UPDATE devices SET cursor = $3 WHERE username = $1 AND device_id = $2')
/**
 * Per sender and conversation, the newest message from others in (afterSeq, upToSeq] of
 * this user's log: what this acknowledgement delivered.
 */
const NEWLY_DELIVERED = statement(
  'newly_delivered',
  `SELECT m.conversation_id, m.sender, max(m.ts) AS up_to
   FROM events e JOIN messages m ON m.id = e.ref_id
   WHERE e.username = $1 AND e.seq > $2 AND e.seq <= $3 AND e.kind = 'message' AND m.sender <> $1
   GROUP BY m.conversation_id, m.sender
   ORDER BY m.conversation_id, m.sender`,
)
const SELECT_MARK = statement('select_mark', 'SELECT up_to FROM delivery_marks WHERE conversation_id = $1 AND sender = $2')
const SET_MARK = statement(
  'set_mark',
  `INSERT INTO delivery_marks (conversation_id, sender, up_to) VALUES ($1, $2, $3)
   ON CONFLICT (conversation_id, sender) DO UPDATE SET up_to = excluded.up_to`,
)
const INSERT_RECEIPT = statement('insert_receipt', 'INSERT INTO receipts (id, conversation_id, up_to, delivered_at) VALUES ($1, $2, $3, $4)')

/** What one ack newly delivered, per sender and conversation. */
interface Delivered {
  conversation_id: string
  sender: string
  up_to: number
}

export interface MovedCursor {
  cursor: number
  delivered: Delivered[]
}

/**
 * Locks the acks' device rows (sorted: before any other counter, see log.ts) and moves each
 * cursor forward, in the order of the acks. A cursor never passes the log's end: a device
 * cannot acknowledge what was never handed out, and clamping keeps it from skipping
 * events appended later.
 */
export async function moveCursors(sql: Sql, acks: readonly DeviceAck[]): Promise<MovedCursor[]> {
  const devices = [acks.map((a) => a.username), acks.map((a) => a.deviceId)]
  await query(sql, CREATE_DEVICES, devices)
  await query(sql, LOCK_DEVICES, devices)

  const moved: MovedCursor[] = []
  for (const ack of acks) {
    const previous = (await queryOne<{ cursor: number }>(sql, SELECT_CURSOR, [ack.username, ack.deviceId]))!.cursor
    const cursor = Math.min(ack.seq, await lastSeq(sql, ack.username))
    if (cursor <= previous) {
      moved.push({ cursor: previous, delivered: [] })
      continue
    }
    await query(sql, SET_CURSOR, [ack.username, ack.deviceId, cursor])
    moved.push({ cursor, delivered: await query<Delivered>(sql, NEWLY_DELIVERED, [ack.username, previous, cursor]) })
  }
  return moved
}

/** What `writeReceipts` will lock: the receipts' conversations and their senders' logs. */
export function countersOfReceipts(moved: readonly MovedCursor[]): { conversations: string[]; users: string[] } {
  const delivered = moved.flatMap((m) => m.delivered)
  return { conversations: delivered.map((d) => d.conversation_id), users: delivered.map((d) => d.sender) }
}

/**
 * Per sender and conversation an ack newly covered, one `receipt` mark in the sender's log
 * when it goes beyond what was marked delivered before (another device or member may have
 * acknowledged these already). Call with `countersOfReceipts(moved)` locked.
 */
export async function writeReceipts(sql: Sql, moved: MovedCursor): Promise<AckResult> {
  const deliveries: Delivery[] = []
  for (const d of moved.delivered) {
    const mark = await queryOne<{ up_to: number }>(sql, SELECT_MARK, [d.conversation_id, d.sender])
    if (mark && mark.up_to >= d.up_to) continue
    await query(sql, SET_MARK, [d.conversation_id, d.sender, d.up_to])
    const receipt = {
      id: newId(),
      conversationId: d.conversation_id,
      upTo: d.up_to,
      deliveredAt: await nextTimestamp(sql, d.conversation_id),
    }
    await query(sql, INSERT_RECEIPT, [receipt.id, receipt.conversationId, receipt.upTo, receipt.deliveredAt])
    deliveries.push(...(await appendEventToLogs(sql, [d.sender], { event: receiptEvent(receipt), receiptId: receipt.id })))
  }
  return { cursor: moved.cursor, deliveries }
}

/** A batch of acks in one transaction: cursors first, then every receipt they produce. */
export async function ackDevices(sql: Sql, acks: readonly DeviceAck[]): Promise<AckResult[]> {
  const moved = await moveCursors(sql, acks)
  await lockCounters(sql, countersOfReceipts(moved))
  const results: AckResult[] = []
  for (const m of moved) results.push(await writeReceipts(sql, m))
  return results
}
