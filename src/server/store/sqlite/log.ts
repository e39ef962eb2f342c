/**
 * The per-user ordered log and the store-wide clock. Events reference their message or
 * tombstone instead of copying it, so deleting a message row removes its text everywhere.
 */
import type Database from 'better-sqlite3'
import type { ChatType, GroupChange, GroupRoster, ReceiptEvent, ServerEvent } from '../../../shared/protocol'
import type { Delivery, StoredEvent } from '../types'
import { cmdEvent, groupEvent, messageEvent, receiptEvent } from '../events'
import { prepare } from '../../../node/sqlite/statements'

export { cmdEvent, groupEvent, messageEvent, receiptEvent }

export type EventKind = ServerEvent['kind']

/**
 * The store-wide clock and the head (last seq handed out) of each user's log, kept in
 * memory: one server process owns the database (it is opened EXCLUSIVE), so nobody else
 * moves them. The clock is written once per group commit (`persistCounters`, inside its
 * transaction). A log's head is not written at all: it is its highest stored seq, read
 * when the log is first used, and `users.last_seq` only keeps a floor for the one case
 * where that would move back — a withdraw deleting the last events of a log that gets no
 * `cmd` after them (a former group member's) — so a seq a device may have seen is never
 * handed out again. (Writing every changed head cost an UPDATE per user per commit: about
 * one and a half statements per message.) A write rolled back after taking a seq or a
 * timestamp leaves a gap, which both allow (withdraws leave gaps in logs too); a counter is
 * never behind what is stored.
 */
interface Counters {
  lastTs: number | null
  readonly seqs: Map<string, number>
  readonly changedSeqs: Set<string>
  tsChanged: boolean
  /**
   * The head of each log whose head moved since it was read from disk, as far as it is
   * durable: a commit is on disk only once the WAL sync after it finished (sqlite-store.ts),
   * and nothing may be read out to a device before that. A log not in here has not moved
   * since it was read, so its head is durable.
   */
  readonly durableSeqs: Map<string, number>
}

const countersByDb = new WeakMap<Database.Database, Counters>()

function countersOf(db: Database.Database): Counters {
  let counters = countersByDb.get(db)
  if (!counters) {
    counters = { lastTs: null, seqs: new Map(), changedSeqs: new Set(), tsChanged: false, durableSeqs: new Map() }
    countersByDb.set(db, counters)
  }
  return counters
}

/** Unique, increasing server timestamps: max(now, last + 1). */
export function nextTimestamp(db: Database.Database, now: number): number {
  const counters = countersOf(db)
  const last = counters.lastTs ?? (prepare(db, 'SELECT last_ts FROM clock WHERE id = 1').get() as { last_ts: number }).last_ts
  counters.lastTs = Math.max(last + 1, Math.trunc(now))
  counters.tsChanged = true
  return counters.lastTs
}

/**
 * Writes the clock if it moved since the last call; run inside the transaction of the
 * writes that moved it. Returns the log heads those writes moved, for `markDurable` once
 * that commit is on disk.
 */
export function persistCounters(db: Database.Database): Map<string, number> {
  const counters = countersOf(db)
  if (counters.tsChanged && counters.lastTs !== null) {
    prepare(db, 'UPDATE clock SET last_ts = max(last_ts, ?) WHERE id = 1').run(counters.lastTs)
  }
  const heads = new Map<string, number>()
  for (const username of counters.changedSeqs) heads.set(username, counters.seqs.get(username)!)
  counters.tsChanged = false
  counters.changedSeqs.clear()
  return heads
}

/** The commits that wrote these heads are on disk: their events may be read out now. */
export function markDurable(db: Database.Database, heads: ReadonlyMap<string, number>): void {
  const { durableSeqs } = countersOf(db)
  for (const [username, seq] of heads) durableSeqs.set(username, Math.max(durableSeqs.get(username) ?? 0, seq))
}

/** The last seq of `username`'s log that is on disk. */
function durableSeq(db: Database.Database, username: string): number {
  return countersOf(db).durableSeqs.get(username) ?? lastSeq(db, username)
}

/**
 * What a log entry points at: the message, the cmd (tombstone) or the group event by its
 * id; a receipt, which has no id of its own on the wire, by the id of its `receipts` row.
 */
type LogEntry = { event: Exclude<ServerEvent, ReceiptEvent> } | { event: ReceiptEvent; receiptId: string }

function refIdOf(entry: LogEntry): string {
  return 'receiptId' in entry ? entry.receiptId : entry.event.id
}

/** Appends an event to `username`'s log; the delivery carries it, so fan-out need not read it back. */
export function appendEvent(db: Database.Database, username: string, entry: LogEntry): Delivery {
  return appendEventToLogs(db, [username], entry)[0]!
}

/** Rows per multi-row INSERT of events: a group's fan-out goes in a few statements, not one per member. */
const EVENT_ROWS_PER_INSERT = 32

/**
 * Appends one `event` to the log of each of `usernames` (a message to every member of its
 * conversation) with as few statements as the count allows: each statement costs a trip
 * into SQLite whatever its size, and a 1:1 message is two rows.
 */
export function appendEventToLogs(db: Database.Database, usernames: readonly string[], entry: LogEntry): Delivery[] {
  const counters = countersOf(db)
  const { event } = entry
  const refId = refIdOf(entry)
  const deliveries: Delivery[] = usernames.map((username) => {
    const head = lastSeq(db, username, { mustExist: true })
    // the first move since the head was read from disk: what was read is what is durable
    if (!counters.durableSeqs.has(username)) counters.durableSeqs.set(username, head)
    counters.seqs.set(username, head + 1)
    counters.changedSeqs.add(username)
    return { username, seq: head + 1, event }
  })
  for (let i = 0; i < deliveries.length; i += EVENT_ROWS_PER_INSERT) {
    const chunk = deliveries.slice(i, i + EVENT_ROWS_PER_INSERT)
    const values: unknown[] = []
    for (const d of chunk) values.push(d.username, d.seq, event.kind, refId)
    prepare(db, `INSERT INTO events (username, seq, kind, ref_id) VALUES ${'(?, ?, ?, ?), '.repeat(chunk.length).slice(0, -2)}`).run(values)
  }
  return deliveries
}

/** The last seq handed out in `username`'s log (0 for an empty log or an unknown user, unless it must exist). */
export function lastSeq(db: Database.Database, username: string, opts: { mustExist?: boolean } = {}): number {
  const counters = countersOf(db)
  const cached = counters.seqs.get(username)
  if (cached !== undefined) return cached
  const row = prepare(
    db,
    'SELECT max(u.last_seq, coalesce((SELECT max(seq) FROM events WHERE username = u.username), 0)) AS head FROM users u WHERE u.username = ?',
  ).get(username) as { head: number } | undefined
  if (!row) {
    if (opts.mustExist) throw new Error(`cannot append to the log of unknown user ${username}`)
    return 0
  }
  counters.seqs.set(username, row.head)
  return row.head
}

/**
 * Removes a message's `message` events from every user's log (and the per-message receipts
 * of protocol version 1, which the migration kept under the message's id).
 */
export function deleteMessageEvents(db: Database.Database, msgId: string): void {
  const removed = prepare(db, "DELETE FROM events WHERE ref_id = ? AND kind IN ('message', 'receipt') RETURNING username").all(msgId) as {
    username: string
  }[]
  // the head stays where it is even if these were the log's last events (see Counters)
  const keepHead = prepare(db, 'UPDATE users SET last_seq = max(last_seq, ?) WHERE username = ?')
  for (const { username } of removed) keepHead.run(lastSeq(db, username), username)
}

interface EventRow {
  seq: number
  kind: EventKind
  m_id: string | null
  m_conversation_id: string
  m_sender: string
  m_ts: number
  m_text: string
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
  t_reason: string | null
  g_id: string | null
  g_conversation_id: string
  g_actor: string
  g_ts: number
  g_change: string
  g_roster: string
}

const EVENTS_AFTER = `
  SELECT e.seq, e.kind,
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
  WHERE e.username = ? AND e.seq > ? AND e.seq <= ?
  ORDER BY e.seq
  LIMIT ?`

export function selectEventsAfter(
  db: Database.Database,
  username: string,
  afterSeq: number,
  limit: number,
): StoredEvent[] {
  // only what is on disk: nothing is handed to a device before it is durable
  const rows = prepare(db, EVENTS_AFTER).all(username, afterSeq, durableSeq(db, username), limit) as EventRow[]
  return rows.map((row) => toStoredEvent(username, row))
}

function toStoredEvent(username: string, row: EventRow): StoredEvent {
  const event = eventOf(row)
  // withdraws delete events together with what they point at, so this is corruption, not a race
  if (!event) throw new Error(`event ${username}/${row.seq} (${row.kind}) points at nothing`)
  return { seq: row.seq, event }
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
        text: row.m_text,
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
        reason: row.t_reason,
      })
    case 'group':
      if (row.g_id === null) return null
      return groupEvent({
        id: row.g_id,
        conversationId: row.g_conversation_id,
        actor: row.g_actor,
        ts: row.g_ts,
        // written by this store from validated values
        change: JSON.parse(row.g_change) as GroupChange,
        roster: JSON.parse(row.g_roster) as GroupRoster,
      })
  }
}
