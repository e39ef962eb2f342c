import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

export type ConversationKind = 'direct' | 'group'

export interface ConversationRow {
  id: string
  kind: ConversationKind
  peer: string | null
  title: string
  lastMessageId: string | null
  lastTs: number
  unread: number
  readTs: number
}

interface RawConversation {
  id: string
  kind: ConversationKind
  peer: string | null
  title: string
  last_message_id: string | null
  last_ts: number
  unread: number
  read_ts: number
}

function toRow(r: RawConversation): ConversationRow {
  return {
    id: r.id,
    kind: r.kind,
    peer: r.peer,
    title: r.title,
    lastMessageId: r.last_message_id,
    lastTs: r.last_ts,
    unread: r.unread,
    readTs: r.read_ts,
  }
}

const COLUMNS = 'id, kind, peer, title, last_message_id, last_ts, unread, read_ts'

export function getConversation(db: Database, id: string): ConversationRow | null {
  const r = prepare<[string], RawConversation>(db, `SELECT ${COLUMNS} FROM conversations WHERE id = ?`).get(id)
  return r ? toRow(r) : null
}

/** Most recent first. */
export function listConversations(db: Database): ConversationRow[] {
  return prepare<[], RawConversation>(db, `SELECT ${COLUMNS} FROM conversations ORDER BY last_ts DESC, id DESC`)
    .all()
    .map(toRow)
}

export interface NewConversation {
  id: string
  kind: ConversationKind
  peer: string | null
  title: string
  createdAt: number
}

/** Create the conversation if it does not exist yet; true when it was created. */
export function ensureConversation(db: Database, c: NewConversation): boolean {
  const info = prepare(
    db,
    `INSERT INTO conversations (id, kind, peer, title, last_ts, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  ).run(c.id, c.kind, c.peer, c.title, c.createdAt, c.createdAt)
  return info.changes > 0
}

/** A group's name as the server last sent it. */
export function setConversationTitle(db: Database, id: string, title: string): void {
  prepare(db, 'UPDATE conversations SET title = ? WHERE id = ? AND title <> ?').run(title, id, title)
}

/** The preview: the newest message, and its time (the conversation's creation when it has none). */
const SET_PREVIEW = `
  last_message_id = (SELECT m.id FROM messages m WHERE m.conversation_id = conversations.id
                     ORDER BY m.ts DESC, m.id DESC LIMIT 1),
  last_ts = max(created_at, coalesce((SELECT max(m.ts) FROM messages m
                                       WHERE m.conversation_id = conversations.id), 0))`

/**
 * Recompute the preview and the unread count from the messages themselves, so they
 * cannot drift from what is stored (a withdrawn unread message stops counting).
 *
 * Counting is O(unread): applied once per incoming message, a catch-up of 10,000 unread
 * messages was quadratic (seconds of blocked main process). A caller that added or
 * removed one message and knows how it counted (`countsAsUnread`, the same rule as the
 * count) passes `unreadChange` instead; the preview is still taken from the messages
 * (an index lookup).
 */
export function refreshConversationSummary(db: Database, id: string, me: string, unreadChange?: number): void {
  if (unreadChange !== undefined) {
    prepare(db, `UPDATE conversations SET ${SET_PREVIEW}, unread = unread + ? WHERE id = ?`).run(unreadChange, id)
    return
  }
  prepare(
    db,
    `UPDATE conversations SET ${SET_PREVIEW},
       unread = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id
                 AND m.kind = 'text' AND m.sender <> ? AND m.ts > conversations.read_ts)
     WHERE id = ?`,
  ).run(me, id)
}

/** Whether a message counts in its conversation's unread number: the rule of the count above. */
export function countsAsUnread(
  db: Database,
  m: { conversationId: string; kind: 'text' | 'notice'; sender: string; ts: number },
  me: string,
): boolean {
  if (m.kind !== 'text' || m.sender === me) return false
  const readTs = prepare<[string], { read_ts: number }>(db, 'SELECT read_ts FROM conversations WHERE id = ?').get(
    m.conversationId,
  )?.read_ts
  return readTs !== undefined && m.ts > readTs
}

/**
 * Everything received so far counts as read. Only others' messages move the mark: my
 * unacknowledged ones carry a local timestamp that may run ahead of the server's.
 */
export function markConversationRead(db: Database, id: string, me: string): boolean {
  const info = prepare(
    db,
    `UPDATE conversations SET
       read_ts = max(read_ts, coalesce((SELECT max(m.ts) FROM messages m
                                        WHERE m.conversation_id = conversations.id AND m.sender <> ?), 0)),
       unread = 0
     WHERE id = ?`,
  ).run(me, id)
  return info.changes > 0
}
