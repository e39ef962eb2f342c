import type { Database } from 'better-sqlite3'
import type { DeliveryState } from '../../../../shared/bridge'
import type { Role } from '../../../../shared/group-rules'
import { prepare } from '../../../../node/sqlite/statements'
import { indexMessage, MATCHING_ROWIDS_SQL, unindexMessage, type SearchPartition } from './search-index'

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
  /** Which notice: a withdraw, or a group change. */
  noticeType: NoticeType | null
  /** The members a group notice is about (added, removed, left, whose role changed). */
  noticeMembers: string[]
  /** The new role of a 'role-changed' notice. */
  noticeRole: Role | null
  /** Expiry of this device's re-edit draft for a notice, if any. */
  draftExpiresAt: number | null
  /** The message this one replies to, resolved from that message's own row (null when not a reply). */
  quote: QuoteRow | null
}

/** Longest quoted text handed out with a reply; the full text stays in the quoted row. */
export const QUOTE_PREVIEW_CHARS = 200

/**
 * What a reply shows of the message it quotes. Never stored with the reply: it is read
 * from the quoted row each time, so a withdraw of that message changes every quote of it.
 */
export interface QuoteRow {
  id: string
  /** 'withdrawn' once the quoted message is a notice or tombstone; 'missing' when this device does not have it. */
  state: 'available' | 'withdrawn' | 'missing'
  sender: string | null
  /** A preview of the quoted text (at most QUOTE_PREVIEW_CHARS), only while available. */
  text: string | null
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
  notice_type: NoticeType | null
  notice_members: string | null
  notice_role: Role | null
  draft_expires_at: number | null
  reply_to: string | null
  q_conversation_id: string | null
  q_sender: string | null
  q_kind: 'text' | 'notice' | null
  q_text: string | null
  q_tombstone_conversation_id: string | null
}

/**
 * Only a message of the same conversation can be quoted: a reply naming a message of
 * another conversation shows nothing of it, whatever this device holds.
 */
function toQuote(r: RawMessage): QuoteRow | null {
  if (r.reply_to === null) return null
  const missing: QuoteRow = { id: r.reply_to, state: 'missing', sender: null, text: null }
  if (r.q_tombstone_conversation_id !== null) {
    return r.q_tombstone_conversation_id === r.conversation_id ? { ...missing, state: 'withdrawn' } : missing
  }
  if (r.q_kind === null || r.q_conversation_id !== r.conversation_id) return missing
  if (r.q_kind === 'notice') return { ...missing, state: 'withdrawn' }
  return { id: r.reply_to, state: 'available', sender: r.q_sender, text: r.q_text }
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
    // rows from before group notices existed are all withdraw notices
    noticeType: r.kind === 'notice' ? (r.notice_type ?? 'withdrawn') : null,
    noticeMembers: r.notice_members === null ? [] : (JSON.parse(r.notice_members) as string[]),
    noticeRole: r.notice_role,
    draftExpiresAt: r.draft_expires_at,
    quote: toQuote(r),
  }
}

/** Message rows `m` (from `source`, which names them m) with their draft and quoted message. */
const selectFrom = (source: string): string => `SELECT m.row_id, m.id, m.conversation_id, m.sender, m.kind, m.text,
  m.ts, m.state, m.notice_actor, m.notice_author, m.notice_reason, m.notice_type, m.notice_members, m.notice_role,
  d.expires_at AS draft_expires_at,
  m.reply_to, q.conversation_id AS q_conversation_id, q.sender AS q_sender, q.kind AS q_kind,
  substr(q.text, 1, ${QUOTE_PREVIEW_CHARS}) AS q_text, qt.conversation_id AS q_tombstone_conversation_id
  FROM ${source} LEFT JOIN reedit_drafts d ON d.msg_id = m.id
  LEFT JOIN messages q ON q.id = m.reply_to
  LEFT JOIN tombstones qt ON qt.msg_id = m.reply_to`

const SELECT = selectFrom('messages m')

export function getMessage(db: Database, id: string): MessageRow | null {
  const r = prepare<[string], RawMessage>(db, `${SELECT} WHERE m.id = ?`).get(id)
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
    ? prepare<[string, number, number, string, number], RawMessage>(
        db,
        `${SELECT} WHERE m.conversation_id = ? AND (m.ts < ? OR (m.ts = ? AND m.id < ?))
         ORDER BY m.ts DESC, m.id DESC LIMIT ?`,
      ).all(conversationId, before.ts, before.ts, before.id, limit)
    : prepare<[string, number], RawMessage>(
        db,
        `${SELECT} WHERE m.conversation_id = ? ORDER BY m.ts DESC, m.id DESC LIMIT ?`,
      ).all(conversationId, limit)
  return rows.reverse().map(toRow)
}

/** One page of a conversation, strictly newer than `after`, oldest first. */
export function listMessagesAfter(db: Database, conversationId: string, after: PageCursor, limit: number): MessageRow[] {
  return prepare<[string, number, number, string, number], RawMessage>(
    db,
    `${SELECT} WHERE m.conversation_id = ? AND (m.ts > ? OR (m.ts = ? AND m.id > ?))
     ORDER BY m.ts ASC, m.id ASC LIMIT ?`,
  )
    .all(conversationId, after.ts, after.ts, after.id, limit)
    .map(toRow)
}

/** Ids of the messages of a conversation that quote `quotedId`. */
export function listReplyIds(db: Database, conversationId: string, quotedId: string): string[] {
  return prepare<[string, string], { id: string }>(
    db,
    'SELECT id FROM messages WHERE reply_to = ? AND conversation_id = ?',
  )
    .all(quotedId, conversationId)
    .map((r) => r.id)
}

export interface NewTextMessage {
  id: string
  conversationId: string
  sender: string
  text: string
  ts: number
  state: DeliveryState | null
  /** The id of the message this one replies to. */
  replyTo?: string | null
}

/** The message and its search entry, keyed by the message's rowid. */
export function insertTextMessage(db: Database, m: NewTextMessage): number {
  const info = prepare(
    db,
    `INSERT INTO messages (id, conversation_id, sender, kind, text, ts, state, reply_to) VALUES (?, ?, ?, 'text', ?, ?, ?, ?)`,
  ).run(m.id, m.conversationId, m.sender, m.text, m.ts, m.state, m.replyTo ?? null)
  const rowId = Number(info.lastInsertRowid)
  indexMessage(db, rowId, m.text)
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
  prepare(
    db,
    `INSERT INTO messages (id, conversation_id, sender, kind, text, ts, state, notice_actor, notice_author, notice_reason, notice_type)
     VALUES (?, ?, ?, 'notice', NULL, ?, NULL, ?, ?, ?, 'withdrawn')`,
  ).run(n.id, n.conversationId, n.author, n.ts, n.actor, n.author, n.reason)
}

export type GroupNoticeType = 'group-created' | 'member-added' | 'member-removed' | 'member-left' | 'role-changed'
export type NoticeType = 'withdrawn' | GroupNoticeType

export interface NewGroupNotice {
  /** The group event's id. */
  id: string
  conversationId: string
  actor: string
  type: GroupNoticeType
  members: readonly string[]
  role: Role | null
  ts: number
}

/** A membership or role change shown in the timeline; the actor stands as its sender. */
export function insertGroupNotice(db: Database, n: NewGroupNotice): void {
  prepare(
    db,
    `INSERT INTO messages (id, conversation_id, sender, kind, text, ts, state, notice_actor, notice_type, notice_members, notice_role)
     VALUES (?, ?, ?, 'notice', NULL, ?, NULL, ?, ?, ?, ?)`,
  ).run(n.id, n.conversationId, n.actor, n.ts, n.actor, n.type, JSON.stringify(n.members), n.role)
}

/**
 * Remove a message row and, for text, its search entry. Returns the search partition
 * that held the entry: its orphaned terms stay until that partition is merged.
 */
export function deleteMessage(db: Database, row: Pick<MessageRow, 'rowId' | 'kind'>): SearchPartition | null {
  const partition = row.kind === 'text' ? unindexMessage(db, row.rowId) : null
  prepare(db, 'DELETE FROM messages WHERE row_id = ?').run(row.rowId)
  return partition
}

export function setDelivery(db: Database, id: string, state: DeliveryState, ts?: number): void {
  if (ts === undefined) prepare(db, 'UPDATE messages SET state = ? WHERE id = ?').run(state, id)
  else prepare(db, 'UPDATE messages SET state = ?, ts = ? WHERE id = ?').run(state, ts, id)
}

/** Message ids whose text matches (trigram search: at least 3 characters). */
export function searchMessageIds(db: Database, query: string, limit = 50): string[] {
  return searchMessageRows(db, { indexed: [query], scanned: [], conversationId: null, limit }).map((r) => r.id)
}

/** The trigram index needs three characters (code points) to find anything. */
export const MIN_INDEXED_TERM_CHARS = 3

export interface MessageSearch {
  /** Terms looked up in the trigram index (each at least MIN_INDEXED_TERM_CHARS long). */
  indexed: readonly string[]
  /** Terms too short for the index, matched as substrings of the rows the rest selected. */
  scanned: readonly string[]
  /** Only this conversation; required when there are no indexed terms. */
  conversationId: string | null
  limit: number
}

const ftsPhrase = (term: string): string => `"${term.replaceAll('"', '""')}"`
const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * Text messages containing every term, newest first. Withdrawn messages are not found:
 * their rows are notices without text, and their index entries are deleted with them.
 * Without indexed terms this scans one conversation, never the whole history.
 */
export function searchMessageRows(db: Database, search: MessageSearch): MessageRow[] {
  const where: string[] = ["m.kind = 'text'"]
  const params: Array<string | number> = []
  let from = 'messages m'
  if (search.indexed.length > 0) {
    // Joined with a space, quoted phrases are ANDed by FTS5.
    from = `(${MATCHING_ROWIDS_SQL}) f JOIN messages m ON m.row_id = f.rowid`
    const match = search.indexed.map(ftsPhrase).join(' ')
    params.push(match, match)
  } else if (search.conversationId === null) {
    throw new Error('a search without indexed terms must name a conversation')
  }
  if (search.conversationId !== null) {
    where.push('m.conversation_id = ?')
    params.push(search.conversationId)
  }
  for (const term of search.scanned) {
    where.push("m.text LIKE ? ESCAPE '\\'")
    params.push(likePattern(term))
  }
  params.push(search.limit)
  const sql = `${selectFrom(from)} WHERE ${where.join(' AND ')}
    ORDER BY m.ts DESC, m.id DESC LIMIT ?`
  return prepare<typeof params, RawMessage>(db, sql).all(...params).map(toRow)
}
