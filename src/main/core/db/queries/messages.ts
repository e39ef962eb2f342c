import type { Database } from 'better-sqlite3'
import type { DeliveryState } from '../../../../shared/bridge'
import { stmt } from '../statements'

export interface MessageRow {
  rowId: number
  id: string
  conversationId: string
  sender: string
  kind: 'text' | 'notice'
  text: string | null
  ts: number
  state: DeliveryState | null
  noticeActor: string | null
  noticeAuthor: string | null
  noticeReason: string | null
  /** Expiry of this device's re-edit draft for a notice, if any. */
  draftExpiresAt: number | null
}

interface RawMessage {
  row_id: number
  id: string
  conversation_id: string
  sender: string
  kind: 'text' | 'notice'
  text: string | null
  ts: number
  state: DeliveryState | null
  notice_actor: string | null
  notice_author: string | null
  notice_reason: string | null
  draft_expires_at: number | null
}

function toRow(r: RawMessage): MessageRow {
  return {
    rowId: r.row_id,
    id: r.id,
    conversationId: r.conversation_id,
    sender: r.sender,
    kind: r.kind,
    text: r.text,
    ts: r.ts,
    state: r.state,
    noticeActor: r.notice_actor,
    noticeAuthor: r.notice_author,
    noticeReason: r.notice_reason,
    draftExpiresAt: r.draft_expires_at,
  }
}

const SELECT = `SELECT m.row_id, m.id, m.conversation_id, m.sender, m.kind, m.text, m.ts, m.state,
  m.notice_actor, m.notice_author, m.notice_reason, d.expires_at AS draft_expires_at
  FROM messages m LEFT JOIN reedit_drafts d ON d.msg_id = m.id`

export function getMessage(db: Database, id: string): MessageRow | null {
  const r = stmt<[string], RawMessage>(db, `${SELECT} WHERE m.id = ?`).get(id)
  return r ? toRow(r) : null
}

export interface PageCursor {
  ts: number
  id: string
}

/** One page of a conversation, strictly older than `before` (newest page without it), oldest first. */
export function listMessagePage(
  db: Database,
  conversationId: string,
  before: PageCursor | null,
  limit: number,
): MessageRow[] {
  const rows = before
    ? stmt<[string, number, number, string, number], RawMessage>(
        db,
        `${SELECT} WHERE m.conversation_id = ? AND (m.ts < ? OR (m.ts = ? AND m.id < ?))
         ORDER BY m.ts DESC, m.id DESC LIMIT ?`,
      ).all(conversationId, before.ts, before.ts, before.id, limit)
    : stmt<[string, number], RawMessage>(
        db,
        `${SELECT} WHERE m.conversation_id = ? ORDER BY m.ts DESC, m.id DESC LIMIT ?`,
      ).all(conversationId, limit)
  return rows.reverse().map(toRow)
}

export interface NewTextMessage {
  id: string
  conversationId: string
  sender: string
  text: string
  ts: number
  state: DeliveryState | null
}

/** The message and its search entry, keyed by the message's rowid. */
export function insertTextMessage(db: Database, m: NewTextMessage): number {
  const info = stmt(
    db,
    `INSERT INTO messages (id, conversation_id, sender, kind, text, ts, state) VALUES (?, ?, ?, 'text', ?, ?, ?)`,
  ).run(m.id, m.conversationId, m.sender, m.text, m.ts, m.state)
  const rowId = Number(info.lastInsertRowid)
  stmt(db, 'INSERT INTO messages_fts (rowid, text) VALUES (?, ?)').run(rowId, m.text)
  return rowId
}

export interface NewNotice {
  /** The withdrawn message's id: the notice takes its place. */
  id: string
  conversationId: string
  author: string
  actor: string
  reason: string | null
  ts: number
}

export function insertNotice(db: Database, n: NewNotice): void {
  stmt(
    db,
    `INSERT INTO messages (id, conversation_id, sender, kind, text, ts, state, notice_actor, notice_author, notice_reason)
     VALUES (?, ?, ?, 'notice', NULL, ?, NULL, ?, ?, ?)`,
  ).run(n.id, n.conversationId, n.author, n.ts, n.actor, n.author, n.reason)
}

/** Remove a message row and, for text, its search entry. */
export function deleteMessage(db: Database, row: Pick<MessageRow, 'rowId' | 'kind'>): void {
  if (row.kind === 'text') stmt(db, 'DELETE FROM messages_fts WHERE rowid = ?').run(row.rowId)
  stmt(db, 'DELETE FROM messages WHERE row_id = ?').run(row.rowId)
}

export function setDelivery(db: Database, id: string, state: DeliveryState, ts?: number): void {
  if (ts === undefined) stmt(db, 'UPDATE messages SET state = ? WHERE id = ?').run(state, id)
  else stmt(db, 'UPDATE messages SET state = ?, ts = ? WHERE id = ?').run(state, ts, id)
}

/** Message ids whose text matches (trigram search: at least 3 characters). */
export function searchMessageIds(db: Database, query: string, limit = 50): string[] {
  const phrase = `"${query.replaceAll('"', '""')}"`
  return stmt<[string, number], { id: string }>(
    db,
    `SELECT m.id FROM messages_fts f JOIN messages m ON m.row_id = f.rowid
     WHERE messages_fts MATCH ? ORDER BY m.ts DESC LIMIT ?`,
  )
    .all(phrase, limit)
    .map((r) => r.id)
}
