import type Database from 'better-sqlite3'
import type { ChatType } from '../../../shared/protocol'
import type { AppendMessageResult, MessageRecord, NewMessage, TombstoneRecord, WithdrawRequest, WithdrawResult } from '../types'
import { isCurrentVersion, isGroupEventId } from './groups'
import { appendEventToLogs, cmdEvent, deleteMessageEvents, messageEvent, nextTimestamp } from './log'
import { prepare } from '../../../node/sqlite/statements'

interface MessageRow {
  id: string
  conversation_id: string
  sender: string
  ts: number
}

interface TombstoneRow {
  msg_id: string
  conversation_id: string
  author: string
  message_ts: number
  withdrawn_by: string
  withdrawn_at: number
  cmd_id: string
  chat_type: ChatType
  reason: string | null
}

const toMessage = (row: MessageRow): MessageRecord => ({
  id: row.id,
  conversationId: row.conversation_id,
  sender: row.sender,
  ts: row.ts,
})

const toTombstone = (row: TombstoneRow): TombstoneRecord => ({
  msgId: row.msg_id,
  conversationId: row.conversation_id,
  author: row.author,
  messageTs: row.message_ts,
  withdrawnBy: row.withdrawn_by,
  withdrawnAt: row.withdrawn_at,
  cmdId: row.cmd_id,
  chatType: row.chat_type,
  reason: row.reason,
})

const TOMBSTONE_COLUMNS =
  'msg_id, conversation_id, author, message_ts, withdrawn_by, withdrawn_at, cmd_id, chat_type, reason'

function selectMessage(db: Database.Database, id: string): MessageRecord | null {
  const row = prepare(db, 'SELECT id, conversation_id, sender, ts FROM messages WHERE id = ?').get(id) as
    | MessageRow
    | undefined
  return row ? toMessage(row) : null
}

function selectTombstone(db: Database.Database, msgId: string): TombstoneRecord | null {
  const row = prepare(db, `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE msg_id = ?`).get(msgId) as
    | TombstoneRow
    | undefined
  return row ? toTombstone(row) : null
}

function selectTombstoneByCmdId(db: Database.Database, cmdId: string): TombstoneRecord | null {
  const row = prepare(db, `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE cmd_id = ?`).get(cmdId) as
    | TombstoneRow
    | undefined
  return row ? toTombstone(row) : null
}

/**
 * What a client id already names, if anything (message, cmd and group op ids share one
 * namespace), in one statement: a new message's id is looked up in four places, and the
 * answer is almost always "nowhere".
 */
const ID_IN_USE = `
  SELECT 'message' AS use, sender AS author, conversation_id, ts FROM messages WHERE id = @id
  UNION ALL SELECT 'withdrawn', author, conversation_id, NULL FROM tombstones WHERE msg_id = @id
  UNION ALL SELECT 'cmd', NULL, NULL, NULL FROM tombstones WHERE cmd_id = @id
  UNION ALL SELECT 'group', NULL, NULL, NULL FROM group_events WHERE id = @id
  LIMIT 1`

interface IdUse {
  use: 'message' | 'withdrawn' | 'cmd' | 'group'
  author: string | null
  conversation_id: string | null
  ts: number | null
}

/** Call inside a transaction. */
export function appendMessage(db: Database.Database, message: NewMessage): AppendMessageResult {
  const taken = prepare(db, ID_IN_USE).get({ id: message.id }) as IdUse | undefined
  if (taken) {
    // the same author in the same conversation: a resend of this very message
    const same = taken.author === message.sender && taken.conversation_id === message.conversationId
    if (taken.use === 'message') return same ? { kind: 'duplicate', ts: taken.ts! } : { kind: 'id-conflict' }
    if (taken.use === 'withdrawn') return same ? { kind: 'withdrawn' } : { kind: 'id-conflict' }
    return { kind: 'id-conflict' }
  }
  if (!isCurrentVersion(db, message.conversationId, message.groupVersion)) return { kind: 'stale' }

  const ts = nextTimestamp(db, message.now)
  prepare(db, 'INSERT INTO messages (id, conversation_id, sender, ts, text, reply_to) VALUES (?, ?, ?, ?, ?, ?)').run(
    message.id,
    message.conversationId,
    message.sender,
    ts,
    message.text,
    message.replyTo ?? null,
  )
  const event = messageEvent({ ...message, ts, replyTo: message.replyTo ?? null })
  const deliveries = appendEventToLogs(db, message.members, { event })
  return { kind: 'appended', ts, deliveries }
}

/** Call inside a transaction. */
export function withdrawMessage(db: Database.Database, request: WithdrawRequest): WithdrawResult {
  // this command again answers as it did; its id used for another message is a conflict
  const sameCommand = selectTombstoneByCmdId(db, request.cmdId)
  if (sameCommand) {
    return sameCommand.msgId === request.msgId ? { kind: 'already-withdrawn', tombstone: sameCommand } : { kind: 'id-conflict' }
  }
  const tombstone = selectTombstone(db, request.msgId)
  if (tombstone) {
    return tombstone.conversationId === request.conversationId
      ? { kind: 'already-withdrawn', tombstone }
      : { kind: 'not-found' }
  }
  if (isGroupEventId(db, request.cmdId) || selectMessage(db, request.cmdId)) return { kind: 'id-conflict' }
  const message = selectMessage(db, request.msgId)
  if (!message || message.conversationId !== request.conversationId) return { kind: 'not-found' }
  if (!isCurrentVersion(db, request.conversationId, request.groupVersion)) return { kind: 'stale' }
  // this store's clock is the caller's: the window is measured with the request's `now`
  const decision = request.authorize(message, request.now)
  if (!decision.allowed) return { kind: 'refused', decision }

  const withdrawnAt = nextTimestamp(db, request.now)
  deleteMessageEvents(db, message.id)
  prepare(db, 'DELETE FROM messages WHERE id = ?').run(message.id)
  const record: TombstoneRecord = {
    msgId: message.id,
    conversationId: message.conversationId,
    author: message.sender,
    messageTs: message.ts,
    withdrawnBy: request.by,
    withdrawnAt,
    cmdId: request.cmdId,
    chatType: request.chatType,
    reason: request.reason,
  }
  prepare(db, `INSERT INTO tombstones (${TOMBSTONE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    record.msgId,
    record.conversationId,
    record.author,
    record.messageTs,
    record.withdrawnBy,
    record.withdrawnAt,
    record.cmdId,
    record.chatType,
    record.reason,
  )
  const event = cmdEvent(record)
  const deliveries = appendEventToLogs(db, request.members, { event })
  return { kind: 'withdrawn', tombstone: record, deliveries, as: decision.as }
}
