/**
 * The per-user ordered log and the store-wide clock. Events reference their message or
 * tombstone instead of copying it, so deleting a message row removes its text everywhere.
 */
import type Database from 'better-sqlite3'
import type {
  ChatType,
  CmdEvent,
  GroupChange,
  GroupEvent,
  GroupRoster,
  MessageEvent,
  ReceiptEvent,
  ServerEvent,
} from '../../../shared/protocol'
import { REVOKE_FLAG } from '../../../shared/protocol'
import type { Delivery, GroupEventRecord, StoredEvent, TombstoneRecord } from '../types'
import { prepare } from '../../../node/sqlite/statements'

export type EventKind = ServerEvent['kind']

/**
 * The store-wide clock and the head (last seq handed out) of each user's log, kept in
 * memory: one server process owns the database (it is opened EXCLUSIVE), so nobody else
 * moves them. Every event used to cost an UPDATE of its user's row and every write one of
 * the clock; now they are written once per group commit (`persistCounters`, inside its
 * transaction). A write rolled back after taking a seq or a timestamp leaves a gap, which
 * both allow (withdraws leave gaps in logs too); a counter is never behind what is stored.
 */
interface Counters {
  lastTs: number | null
  readonly seqs: Map<string, number>
  readonly changedSeqs: Set<string>
  tsChanged: boolean
}

const countersByDb = new WeakMap<Database.Database, Counters>()

function countersOf(db: Database.Database): Counters {
  let counters = countersByDb.get(db)
  if (!counters) {
    counters = { lastTs: null, seqs: new Map(), changedSeqs: new Set(), tsChanged: false }
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

/** Writes the counters moved since the last call; run inside the transaction of the writes that moved them. */
export function persistCounters(db: Database.Database): void {
  const counters = countersOf(db)
  if (counters.tsChanged && counters.lastTs !== null) {
    prepare(db, 'UPDATE clock SET last_ts = max(last_ts, ?) WHERE id = 1').run(counters.lastTs)
  }
  const setHead = prepare(db, 'UPDATE users SET last_seq = max(last_seq, ?) WHERE username = ?')
  for (const username of counters.changedSeqs) setHead.run(counters.seqs.get(username)!, username)
  counters.tsChanged = false
  counters.changedSeqs.clear()
}

// The events a log entry stands for, built the same way when it is appended (for live
// fan-out) and when it is read back (replay).

export const messageEvent = (m: {
  id: string
  conversationId: string
  sender: string
  ts: number
  text: string
  replyTo: string | null
}): MessageEvent => ({
  kind: 'message',
  id: m.id,
  conversationId: m.conversationId,
  from: m.sender,
  ts: m.ts,
  text: m.text,
  ...(m.replyTo === null ? {} : { replyTo: m.replyTo }),
})

export const receiptEvent = (msgId: string, conversationId: string, deliveredAt: number): ReceiptEvent => ({
  kind: 'receipt',
  msgId,
  conversationId,
  state: 'delivered',
  ts: deliveredAt,
})

export const cmdEvent = (t: TombstoneRecord): CmdEvent => ({
  kind: 'cmd',
  id: t.cmdId,
  conversationId: t.conversationId,
  chatType: t.chatType,
  from: t.withdrawnBy,
  ts: t.withdrawnAt,
  action: REVOKE_FLAG,
  ext: t.reason === null ? { msgId: t.msgId } : { msgId: t.msgId, reason: t.reason },
  target: { from: t.author, ts: t.messageTs },
})

export const groupEvent = (g: GroupEventRecord & { change: GroupChange; roster: GroupRoster }): GroupEvent => ({
  kind: 'group',
  id: g.id,
  conversationId: g.conversationId,
  from: g.actor,
  ts: g.ts,
  change: g.change,
  group: g.roster,
})

/** What a log entry points at: the message for `message` and `receipt`, the cmd or group event otherwise. */
function refIdOf(event: ServerEvent): string {
  return event.kind === 'receipt' ? event.msgId : event.id
}

/** Appends `event` to `username`'s log; the delivery carries it, so fan-out need not read it back. */
export function appendEvent(db: Database.Database, username: string, event: ServerEvent): Delivery {
  const seq = lastSeq(db, username, { mustExist: true }) + 1
  prepare(db, 'INSERT INTO events (username, seq, kind, ref_id) VALUES (?, ?, ?, ?)').run(
    username,
    seq,
    event.kind,
    refIdOf(event),
  )
  const counters = countersOf(db)
  counters.seqs.set(username, seq)
  counters.changedSeqs.add(username)
  return { username, seq, event }
}

/** The last seq handed out in `username`'s log (0 for an empty log or an unknown user, unless it must exist). */
export function lastSeq(db: Database.Database, username: string, opts: { mustExist?: boolean } = {}): number {
  const counters = countersOf(db)
  const cached = counters.seqs.get(username)
  if (cached !== undefined) return cached
  const row = prepare(db, 'SELECT last_seq FROM users WHERE username = ?').get(username) as
    | { last_seq: number }
    | undefined
  if (!row) {
    if (opts.mustExist) throw new Error(`cannot append to the log of unknown user ${username}`)
    return 0
  }
  counters.seqs.set(username, row.last_seq)
  return row.last_seq
}

/** Removes a message's `message` and `receipt` events from every user's log. */
export function deleteMessageEvents(db: Database.Database, msgId: string): void {
  prepare(db, "DELETE FROM events WHERE ref_id = ? AND kind IN ('message', 'receipt')").run(msgId)
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
  m_delivered_at: number | null
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
         m.text AS m_text, m.reply_to AS m_reply_to, m.delivered_at AS m_delivered_at,
         t.msg_id AS t_msg_id, t.conversation_id AS t_conversation_id, t.author AS t_author,
         t.message_ts AS t_message_ts, t.withdrawn_by AS t_withdrawn_by, t.withdrawn_at AS t_withdrawn_at,
         t.cmd_id AS t_cmd_id, t.chat_type AS t_chat_type, t.reason AS t_reason,
         g.id AS g_id, g.conversation_id AS g_conversation_id, g.actor AS g_actor, g.ts AS g_ts,
         g.change AS g_change, g.roster AS g_roster
  FROM events e
  LEFT JOIN messages m ON e.kind IN ('message', 'receipt') AND m.id = e.ref_id
  LEFT JOIN tombstones t ON e.kind = 'cmd' AND t.cmd_id = e.ref_id
  LEFT JOIN group_events g ON e.kind = 'group' AND g.id = e.ref_id
  WHERE e.username = ? AND e.seq > ?
  ORDER BY e.seq
  LIMIT ?`

export function selectEventsAfter(
  db: Database.Database,
  username: string,
  afterSeq: number,
  limit: number,
): StoredEvent[] {
  const rows = prepare(db, EVENTS_AFTER).all(username, afterSeq, limit) as EventRow[]
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
      if (row.m_id === null || row.m_delivered_at === null) return null
      return receiptEvent(row.m_id, row.m_conversation_id, row.m_delivered_at)
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
