import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

export type OutboxKind = 'send' | 'cmd'

export interface OutboxEntry {
  seq: number
  /** The frame id: the message id for a send, the command id for a cmd. */
  id: string
  kind: OutboxKind
  conversationId: string
  /** The message sent, or the message to withdraw. */
  messageId: string
  reason: string | null
  /** Written to a socket at least once: the server may have it. */
  transmitted: boolean
}

interface RawEntry {
  seq: number
  id: string
  kind: OutboxKind
  conversation_id: string
  message_id: string
  reason: string | null
  transmitted: number
}

function toEntry(r: RawEntry): OutboxEntry {
  return {
    seq: r.seq,
    id: r.id,
    kind: r.kind,
    conversationId: r.conversation_id,
    messageId: r.message_id,
    reason: r.reason,
    transmitted: r.transmitted === 1,
  }
}

const COLUMNS = 'seq, id, kind, conversation_id, message_id, reason, transmitted'

export interface NewOutboxEntry {
  id: string
  kind: OutboxKind
  conversationId: string
  messageId: string
  reason: string | null
  transmitted: boolean
  createdAt: number
}

export function enqueue(db: Database, e: NewOutboxEntry): void {
  prepare(
    db,
    `INSERT INTO outbox (id, kind, conversation_id, message_id, reason, transmitted, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.id, e.kind, e.conversationId, e.messageId, e.reason, e.transmitted ? 1 : 0, e.createdAt)
}

/** In the order the frames were queued. */
export function listOutbox(db: Database): OutboxEntry[] {
  return prepare<[], RawEntry>(db, `SELECT ${COLUMNS} FROM outbox ORDER BY seq`).all().map(toEntry)
}

export function getOutboxEntry(db: Database, id: string): OutboxEntry | null {
  const r = prepare<[string], RawEntry>(db, `SELECT ${COLUMNS} FROM outbox WHERE id = ?`).get(id)
  return r ? toEntry(r) : null
}

export function findOutboxFor(db: Database, messageId: string, kind: OutboxKind): OutboxEntry | null {
  const r = prepare<[string, string], RawEntry>(
    db,
    `SELECT ${COLUMNS} FROM outbox WHERE message_id = ? AND kind = ? ORDER BY seq LIMIT 1`,
  ).get(messageId, kind)
  return r ? toEntry(r) : null
}

export function deleteOutboxEntry(db: Database, id: string): boolean {
  return prepare(db, 'DELETE FROM outbox WHERE id = ?').run(id).changes > 0
}

/** Every queued frame about one message (its send and any withdraw of it). */
export function deleteOutboxFor(db: Database, messageId: string): void {
  prepare(db, 'DELETE FROM outbox WHERE message_id = ?').run(messageId)
}

export function markTransmitted(db: Database, ids: readonly string[]): void {
  const update = prepare(db, 'UPDATE outbox SET transmitted = 1 WHERE id = ? AND transmitted = 0')
  db.transaction(() => {
    for (const id of ids) update.run(id)
  })()
}
