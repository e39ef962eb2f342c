/**
 * The per-user ordered log and the store-wide clock. Events reference their message or
 * tombstone instead of copying it, so deleting a message row removes its text everywhere.
 */
import type Database from 'better-sqlite3'
import type { ChatType, GroupChange, GroupRoster } from '../../../shared/protocol'
import { REVOKE_FLAG } from '../../../shared/protocol'
import type { Delivery, StoredEvent } from '../types'
import { prepare } from './statements'

export type EventKind = 'message' | 'receipt' | 'cmd' | 'group'

/** Unique, increasing server timestamps: max(now, last + 1), persisted with the transaction. */
export function nextTimestamp(db: Database.Database, now: number): number {
  const row = prepare(db, 'UPDATE clock SET last_ts = max(last_ts + 1, ?) WHERE id = 1 RETURNING last_ts').get(
    Math.trunc(now),
  ) as { last_ts: number }
  return row.last_ts
}

export function appendEvent(db: Database.Database, username: string, kind: EventKind, refId: string): Delivery {
  const row = prepare(db, 'UPDATE users SET last_seq = last_seq + 1 WHERE username = ? RETURNING last_seq').get(
    username,
  ) as { last_seq: number } | undefined
  if (!row) throw new Error(`cannot append to the log of unknown user ${username}`)
  prepare(db, 'INSERT INTO events (username, seq, kind, ref_id) VALUES (?, ?, ?, ?)').run(
    username,
    row.last_seq,
    kind,
    refId,
  )
  return { username, seq: row.last_seq }
}

export function lastSeq(db: Database.Database, username: string): number {
  const row = prepare(db, 'SELECT last_seq FROM users WHERE username = ?').get(username) as
    | { last_seq: number }
    | undefined
  return row?.last_seq ?? 0
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
  switch (row.kind) {
    case 'message':
      if (row.m_id === null) break
      return {
        seq: row.seq,
        event: {
          kind: 'message',
          id: row.m_id,
          conversationId: row.m_conversation_id,
          from: row.m_sender,
          ts: row.m_ts,
          text: row.m_text,
          ...(row.m_reply_to === null ? {} : { replyTo: row.m_reply_to }),
        },
      }
    case 'receipt':
      if (row.m_id === null || row.m_delivered_at === null) break
      return {
        seq: row.seq,
        event: {
          kind: 'receipt',
          msgId: row.m_id,
          conversationId: row.m_conversation_id,
          state: 'delivered',
          ts: row.m_delivered_at,
        },
      }
    case 'cmd':
      if (row.t_msg_id === null) break
      return {
        seq: row.seq,
        event: {
          kind: 'cmd',
          id: row.t_cmd_id,
          conversationId: row.t_conversation_id,
          chatType: row.t_chat_type,
          from: row.t_withdrawn_by,
          ts: row.t_withdrawn_at,
          action: REVOKE_FLAG,
          ext: row.t_reason === null ? { msgId: row.t_msg_id } : { msgId: row.t_msg_id, reason: row.t_reason },
          target: { from: row.t_author, ts: row.t_message_ts },
        },
      }
    case 'group':
      if (row.g_id === null) break
      return {
        seq: row.seq,
        event: {
          kind: 'group',
          id: row.g_id,
          conversationId: row.g_conversation_id,
          from: row.g_actor,
          ts: row.g_ts,
          // written by this store from validated values
          change: JSON.parse(row.g_change) as GroupChange,
          group: JSON.parse(row.g_roster) as GroupRoster,
        },
      }
  }
  // withdraws delete events together with what they point at, so this is corruption, not a race
  throw new Error(`event ${username}/${row.seq} (${row.kind}) points at nothing`)
}
