/**
 * Order without a global lock: the counter rows, the per-user log, and reading it back.
 *
 * Every unit of work that appends to logs or stamps a timestamp first locks the counter
 * rows it will move, always in one fixed order, so two units can wait for each other but
 * never in a cycle (no deadlocks from our own writes):
 *
 *   device row (acks only) → conversation rows, sorted → user rows, sorted → message row
 *
 * A user's log seq comes from `users.last_seq`, moved in the writing transaction. The row
 * lock is held until commit, so while one unit holds seq N of a log no other unit can take
 * N+1; the next one gets it only after the first committed (or rolled back, giving N back
 * unused). Seqs therefore become visible in order: a device that has read up to N can never
 * later find an N-1 that committed after it looked, so a cursor never skips an event.
 * (A sequence or a max(seq)+1 read would not: two transactions could commit out of order.)
 *
 * The same holds per conversation for timestamps: `conversations.last_ts` is locked and
 * moved to greatest(database clock, last + 1), so timestamps within a conversation are
 * unique and increase in commit order, whatever the nodes' clocks say.
 */
import type { ChatType, GroupChange, GroupRoster, ReceiptEvent, ServerEvent } from '../../../shared/protocol'
import { cmdEvent, groupEvent, messageEvent, receiptEvent } from '../events'
import type { Delivery, StoredEvent } from '../types'
import { bytesText, query, queryOne, type Sql, statement } from './sql'

/** The rows a unit of work will move, locked up front in the fixed order. */
export interface Counters {
  conversations: Iterable<string>
  users: Iterable<string>
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort()

const CREATE_CONVERSATIONS = statement(
  'create_conversations',
  // sorted, so concurrent first uses of the same conversations queue in one order too
  'INSERT INTO conversations (conversation_id) SELECT c FROM unnest($1::text[]) AS c ORDER BY c ON CONFLICT DO NOTHING',
)
// FOR NO KEY UPDATE: what the UPDATE of the counter takes anyway, and it does not block
// foreign-key checks (KEY SHARE) of other units inserting rows that reference the user
const LOCK_CONVERSATIONS = statement(
  'lock_conversations',
  'SELECT conversation_id FROM conversations WHERE conversation_id = ANY($1::text[]) ORDER BY conversation_id FOR NO KEY UPDATE',
)
const LOCK_USERS = statement(
  'lock_users',
  'SELECT username FROM users WHERE username = ANY($1::text[]) ORDER BY username FOR NO KEY UPDATE',
)

/**
 * Locks the counter rows of `counters` in the fixed order (conversations, then users, each
 * sorted; ORDER BY with FOR NO KEY UPDATE locks rows in the order it returns them), creating
 * conversation counters on first use. Unknown users are not an error here: appending to
 * their log is (appendEventToLogs).
 */
export async function lockCounters(sql: Sql, counters: Counters): Promise<void> {
  const conversations = sorted(counters.conversations)
  if (conversations.length > 0) {
    await query(sql, CREATE_CONVERSATIONS, [conversations])
    await query(sql, LOCK_CONVERSATIONS, [conversations])
  }
  const users = sorted(counters.users)
  if (users.length > 0) await query(sql, LOCK_USERS, [users])
}

const PEEK_TIMESTAMP = statement(
  'peek_timestamp',
  'SELECT greatest(parley_now_ms(), last_ts + 1) AS ts FROM conversations WHERE conversation_id = $1',
)
const SET_TIMESTAMP = statement('set_timestamp', 'UPDATE conversations SET last_ts = $2 WHERE conversation_id = $1')
const NEXT_TIMESTAMP = statement(
  'next_timestamp',
  'UPDATE conversations SET last_ts = greatest(parley_now_ms(), last_ts + 1) WHERE conversation_id = $1 RETURNING last_ts',
)

/** The conversation's next timestamp, taken. Its counter row must be locked (lockCounters). */
export async function nextTimestamp(sql: Sql, conversationId: string): Promise<number> {
  const row = await queryOne<{ last_ts: number }>(sql, NEXT_TIMESTAMP, [conversationId])
  if (!row) throw new Error(`conversation ${conversationId} has no counter row (lock it first)`)
  return row.last_ts
}

/**
 * The conversation's next timestamp without taking it: what a withdraw decides its window
 * on, taken with `takeTimestamp` only if the decision allows. The counter row is locked, so
 * nobody else moves it in between.
 */
export async function peekTimestamp(sql: Sql, conversationId: string): Promise<number> {
  const row = await queryOne<{ ts: number }>(sql, PEEK_TIMESTAMP, [conversationId])
  if (!row) throw new Error(`conversation ${conversationId} has no counter row (lock it first)`)
  return row.ts
}

export async function takeTimestamp(sql: Sql, conversationId: string, ts: number): Promise<void> {
  await query(sql, SET_TIMESTAMP, [conversationId, ts])
}

/**
 * What a log entry points at: the message, the cmd (tombstone) or the group event by its
 * id; a receipt, which has no id of its own on the wire, by the id of its `receipts` row.
 */
export type LogEntry = { event: Exclude<ServerEvent, ReceiptEvent> } | { event: ReceiptEvent; receiptId: string }

/** One statement for any number of logs: move each counter, insert each event at its new seq. */
const APPEND_EVENTS = statement(
  'append_events',
  `WITH moved AS (
     UPDATE users SET last_seq = last_seq + 1 WHERE username = ANY($1::text[]) RETURNING username, last_seq
   )
   INSERT INTO events (username, seq, kind, ref_id) SELECT username, last_seq, $2::text, $3::text FROM moved
   RETURNING username, seq`,
)

/**
 * Appends `entry` to the log of each of `usernames` (every member of a conversation), in
 * one statement. Their user rows must be locked already (lockCounters), which is what keeps
 * each log's seqs committing in order.
 */
export async function appendEventToLogs(sql: Sql, usernames: readonly string[], entry: LogEntry): Promise<Delivery[]> {
  const names = [...new Set(usernames)]
  const refId = 'receiptId' in entry ? entry.receiptId : entry.event.id
  const rows = await query<{ username: string; seq: number }>(sql, APPEND_EVENTS, [names, entry.event.kind, refId])
  const seqs = new Map(rows.map((r) => [r.username, r.seq]))
  const unknown = names.find((name) => !seqs.has(name))
  if (unknown !== undefined) throw new Error(`cannot append to the log of unknown user ${unknown}`)
  return names.map((username) => ({ username, seq: seqs.get(username)!, event: entry.event }))
}

const DELETE_MESSAGE_EVENTS = statement('delete_message_events', "DELETE FROM events WHERE ref_id = $1 AND kind = 'message'")

/**
 * Removes a message's `message` events from every user's log. The counters stay where they
 * are, so a seq a device may have seen is never handed out again.
 */
export async function deleteMessageEvents(sql: Sql, msgId: string): Promise<void> {
  await query(sql, DELETE_MESSAGE_EVENTS, [msgId])
}

const LAST_SEQ = statement('last_seq', 'SELECT last_seq FROM users WHERE username = $1')

/** The last seq handed out (and committed, unless this unit moved it) in `username`'s log; 0 for an unknown user. */
export async function lastSeq(sql: Sql, username: string): Promise<number> {
  return (await queryOne<{ last_seq: number }>(sql, LAST_SEQ, [username]))?.last_seq ?? 0
}

interface EventRow {
  seq: number
  kind: ServerEvent['kind']
  m_id: string | null
  m_conversation_id: string
  m_sender: string
  m_ts: number
  m_text: Buffer
  m_reply_to: string | null
  r_conversation_id: string | null
  r_up_to: number
  r_delivered_at: number
  t_msg_id: string | null
  t_conversation_id: string
  t_author: string
  t_message_ts: number
  t_withdrawn_by: string
  t_withdrawn_at: number
  t_cmd_id: string
  t_chat_type: ChatType
  t_reason: Buffer | null
  g_id: string | null
  g_conversation_id: string
  g_actor: string
  g_ts: number
  g_change: GroupChange
  g_roster: GroupRoster
}

// One statement, so one snapshot: an event and what it points at are read together.
const EVENTS_AFTER = statement(
  'events_after',
  `SELECT e.seq, e.kind,
          m.id AS m_id, m.conversation_id AS m_conversation_id, m.sender AS m_sender, m.ts AS m_ts,
          m.text AS m_text, m.reply_to AS m_reply_to,
          r.conversation_id AS r_conversation_id, r.up_to AS r_up_to, r.delivered_at AS r_delivered_at,
          t.msg_id AS t_msg_id, t.conversation_id AS t_conversation_id, t.author AS t_author,
          t.message_ts AS t_message_ts, t.withdrawn_by AS t_withdrawn_by, t.withdrawn_at AS t_withdrawn_at,
          t.cmd_id AS t_cmd_id, t.chat_type AS t_chat_type, t.reason AS t_reason,
          g.id AS g_id, g.conversation_id AS g_conversation_id, g.actor AS g_actor, g.ts AS g_ts,
          g.change AS g_change, g.roster AS g_roster
   FROM events e
   LEFT JOIN messages m ON e.kind = 'message' AND m.id = e.ref_id
   LEFT JOIN receipts r ON e.kind = 'receipt' AND r.id = e.ref_id
   LEFT JOIN tombstones t ON e.kind = 'cmd' AND t.cmd_id = e.ref_id
   LEFT JOIN group_events g ON e.kind = 'group' AND g.id = e.ref_id
   WHERE e.username = $1 AND e.seq > $2
   ORDER BY e.seq
   LIMIT $3`,
)

/**
 * Committed events only, and with synchronous_commit on (postgres-store.ts) a commit is
 * visible only once it is durable: nothing is handed to a device before it is on disk.
 */
export async function selectEventsAfter(sql: Sql, username: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  const rows = await query<EventRow>(sql, EVENTS_AFTER, [username, afterSeq, limit])
  return rows.map((row) => {
    const event = eventOf(row)
    // withdraws delete events together with what they point at, so this is corruption, not a race
    if (!event) throw new Error(`event ${username}/${row.seq} (${row.kind}) points at nothing`)
    return { seq: row.seq, event }
  })
}

function eventOf(row: EventRow): ServerEvent | null {
  switch (row.kind) {
    case 'message':
      if (row.m_id === null) return null
      return messageEvent({
        id: row.m_id,
        conversationId: row.m_conversation_id,
        sender: row.m_sender,
        ts: row.m_ts,
        text: bytesText(row.m_text),
        replyTo: row.m_reply_to,
      })
    case 'receipt':
      if (row.r_conversation_id === null) return null
      return receiptEvent({ conversationId: row.r_conversation_id, upTo: row.r_up_to, deliveredAt: row.r_delivered_at })
    case 'cmd':
      if (row.t_msg_id === null) return null
      return cmdEvent({
        msgId: row.t_msg_id,
        conversationId: row.t_conversation_id,
        author: row.t_author,
        messageTs: row.t_message_ts,
        withdrawnBy: row.t_withdrawn_by,
        withdrawnAt: row.t_withdrawn_at,
        cmdId: row.t_cmd_id,
        chatType: row.t_chat_type,
        reason: row.t_reason === null ? null : bytesText(row.t_reason),
      })
    case 'group':
      if (row.g_id === null) return null
      // json comes back parsed; written by this store from validated values (json, not
      // jsonb: a group name may hold U+0000, which jsonb refuses)
      return groupEvent({
        id: row.g_id,
        conversationId: row.g_conversation_id,
        actor: row.g_actor,
        ts: row.g_ts,
        change: row.g_change,
        roster: row.g_roster,
      })
  }
}
