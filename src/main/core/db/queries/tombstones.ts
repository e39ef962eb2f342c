import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

export type TombstoneStatus = 'applied' | 'pending'

export interface Tombstone {
  msgId: string
  conversationId: string
  /** Who withdrew it. */
  by: string
  /** Who wrote it (server-attested for a pending tombstone). */
  author: string
  /** Server timestamp of the withdraw. */
  at: number
  messageTs: number | null
  reason: string | null
  /** 'pending' until the message it withdraws has been seen. */
  status: TombstoneStatus
}

interface RawTombstone {
  msg_id: string
  conversation_id: string
  withdrawn_by: string
  author: string
  at: number
  message_ts: number | null
  reason: string | null
  status: TombstoneStatus
}

function toTombstone(r: RawTombstone): Tombstone {
  return {
    msgId: r.msg_id,
    conversationId: r.conversation_id,
    by: r.withdrawn_by,
    author: r.author,
    at: r.at,
    messageTs: r.message_ts,
    reason: r.reason,
    status: r.status,
  }
}

export function getTombstone(db: Database, msgId: string): Tombstone | null {
  const r = prepare<[string], RawTombstone>(
    db,
    'SELECT msg_id, conversation_id, withdrawn_by, author, at, message_ts, reason, status FROM tombstones WHERE msg_id = ?',
  ).get(msgId)
  return r ? toTombstone(r) : null
}

export function putTombstone(db: Database, t: Tombstone): void {
  prepare(
    db,
    `INSERT INTO tombstones (msg_id, conversation_id, withdrawn_by, author, at, message_ts, reason, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (msg_id) DO UPDATE SET conversation_id = excluded.conversation_id,
       withdrawn_by = excluded.withdrawn_by, author = excluded.author, at = excluded.at,
       message_ts = excluded.message_ts, reason = excluded.reason, status = excluded.status`,
  ).run(t.msgId, t.conversationId, t.by, t.author, t.at, t.messageTs, t.reason, t.status)
}

export function deleteTombstone(db: Database, msgId: string): void {
  prepare(db, 'DELETE FROM tombstones WHERE msg_id = ?').run(msgId)
}
