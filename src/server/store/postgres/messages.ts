import type { ChatType } from '../../../shared/protocol'
import { cmdEvent, messageEvent } from '../events'
import type { AppendMessageResult, MessageRecord, NewMessage, TombstoneRecord, WithdrawRequest, WithdrawResult } from '../types'
import { isCurrentVersion, isGroupEventId } from './groups'
import { appendEventToLogs, deleteMessageEvents, lockCounters, nextTimestamp, peekTimestamp, takeTimestamp } from './log'
import { bytesText, query, queryOne, type Sql, statement, textBytes } from './sql'

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
  reason: Buffer | null
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
  reason: row.reason === null ? null : bytesText(row.reason),
})

const TOMBSTONE_COLUMNS = 'msg_id, conversation_id, author, message_ts, withdrawn_by, withdrawn_at, cmd_id, chat_type, reason'

const SELECT_MESSAGE = statement('select_message', 'SELECT id, conversation_id, sender, ts FROM messages WHERE id = $1')
// the row a withdraw decides on stays as read until the withdraw commits
const LOCK_MESSAGE = statement('lock_message', 'SELECT id, conversation_id, sender, ts FROM messages WHERE id = $1 FOR UPDATE')
const SELECT_TOMBSTONE = statement('select_tombstone', `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE msg_id = $1`)
const SELECT_TOMBSTONE_BY_CMD = statement('select_tombstone_by_cmd', `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE cmd_id = $1`)
const INSERT_TOMBSTONE = statement(
  'insert_tombstone',
  `INSERT INTO tombstones (${TOMBSTONE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
)
const DELETE_MESSAGE = statement('delete_message', 'DELETE FROM messages WHERE id = $1')
const INSERT_MESSAGE = statement(
  'insert_message',
  'INSERT INTO messages (id, conversation_id, sender, ts, text, reply_to) VALUES ($1, $2, $3, $4, $5, $6)',
)

/**
 * What a client id already names, if anything (message, cmd and group op ids share one
 * namespace), in one statement: a new message's id is looked up in four places, and the
 * answer is almost always "nowhere".
 */
const ID_IN_USE = statement(
  'id_in_use',
  `SELECT 'message' AS use, sender AS author, conversation_id, ts FROM messages WHERE id = $1
   UNION ALL SELECT 'withdrawn', author, conversation_id, NULL FROM tombstones WHERE msg_id = $1
   UNION ALL SELECT 'cmd', NULL, NULL, NULL FROM tombstones WHERE cmd_id = $1
   UNION ALL SELECT 'group', NULL, NULL, NULL FROM group_events WHERE id = $1
   LIMIT 1`,
)

interface IdUse {
  use: 'message' | 'withdrawn' | 'cmd' | 'group'
  author: string | null
  conversation_id: string | null
  ts: number | null
}

/** What appending these messages will lock: their conversations and every member's log. */
export function countersOfMessages(messages: readonly NewMessage[]): { conversations: string[]; users: string[] } {
  return { conversations: messages.map((m) => m.conversationId), users: messages.flatMap((m) => m.members) }
}

/**
 * Call inside a transaction that holds the counters of `countersOfMessages([message])`.
 * The timestamp is the conversation's (database clock); `message.now` is not used.
 */
export async function appendMessage(sql: Sql, message: NewMessage): Promise<AppendMessageResult> {
  const taken = await queryOne<IdUse>(sql, ID_IN_USE, [message.id])
  if (taken) {
    // the same author in the same conversation: a resend of this very message
    const same = taken.author === message.sender && taken.conversation_id === message.conversationId
    if (taken.use === 'message') return same ? { kind: 'duplicate', ts: taken.ts! } : { kind: 'id-conflict' }
    if (taken.use === 'withdrawn') return same ? { kind: 'withdrawn' } : { kind: 'id-conflict' }
    return { kind: 'id-conflict' }
  }
  if (!(await isCurrentVersion(sql, message.conversationId, message.groupVersion))) return { kind: 'stale' }

  const ts = await nextTimestamp(sql, message.conversationId)
  const replyTo = message.replyTo ?? null
  await query(sql, INSERT_MESSAGE, [message.id, message.conversationId, message.sender, ts, textBytes(message.text), replyTo])
  const event = messageEvent({ ...message, ts, replyTo })
  const deliveries = await appendEventToLogs(sql, message.members, { event })
  return { kind: 'appended', ts, deliveries }
}

/**
 * Call inside a transaction. Locks the conversation and the members' logs, then the
 * message row; decides with `authorize` on the row as locked and the time the withdraw
 * will carry; deletes, tombstones and appends the cmd events only if it allows. Two
 * withdraws of one message (author and admin, on two nodes) queue on the conversation's
 * row: the second finds the tombstone.
 */
export async function withdrawMessage(sql: Sql, request: WithdrawRequest): Promise<WithdrawResult> {
  await lockCounters(sql, { conversations: [request.conversationId], users: request.members })
  // this command again answers as it did; its id used for another message is a conflict
  const sameCommand = await queryOne<TombstoneRow>(sql, SELECT_TOMBSTONE_BY_CMD, [request.cmdId])
  if (sameCommand) {
    return sameCommand.msg_id === request.msgId ? { kind: 'already-withdrawn', tombstone: toTombstone(sameCommand) } : { kind: 'id-conflict' }
  }
  const tombstone = await queryOne<TombstoneRow>(sql, SELECT_TOMBSTONE, [request.msgId])
  if (tombstone) {
    return tombstone.conversation_id === request.conversationId
      ? { kind: 'already-withdrawn', tombstone: toTombstone(tombstone) }
      : { kind: 'not-found' }
  }
  if ((await isGroupEventId(sql, request.cmdId)) || (await queryOne(sql, SELECT_MESSAGE, [request.cmdId]))) return { kind: 'id-conflict' }
  const row = await queryOne<MessageRow>(sql, LOCK_MESSAGE, [request.msgId])
  if (!row || row.conversation_id !== request.conversationId) return { kind: 'not-found' }
  if (!(await isCurrentVersion(sql, request.conversationId, request.groupVersion))) return { kind: 'stale' }
  const message = toMessage(row)
  // the window is measured on the clock that stamped the message, up to the withdraw's own ts
  const withdrawnAt = await peekTimestamp(sql, request.conversationId)
  const decision = request.authorize(message, withdrawnAt)
  if (!decision.allowed) return { kind: 'refused', decision }

  await takeTimestamp(sql, request.conversationId, withdrawnAt)
  await deleteMessageEvents(sql, message.id)
  await query(sql, DELETE_MESSAGE, [message.id])
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
  await query(sql, INSERT_TOMBSTONE, [
    record.msgId,
    record.conversationId,
    record.author,
    record.messageTs,
    record.withdrawnBy,
    record.withdrawnAt,
    record.cmdId,
    record.chatType,
    record.reason === null ? null : textBytes(record.reason),
  ])
  const deliveries = await appendEventToLogs(sql, request.members, { event: cmdEvent(record) })
  return { kind: 'withdrawn', tombstone: record, deliveries, as: decision.as }
}
