/**
 * Taking a withdrawn message off this device, inside the caller's unit of work: the one
 * place a message row is deleted for a withdraw, whoever asked for it.
 */
import { countsAsUnread } from '../db/queries/conversations'
import { deleteMessage, getMessage, insertNotice, type MessageRow } from '../db/queries/messages'
import { deleteOutboxFor } from '../db/queries/outbox'
import { putDraft, REEDIT_KEEP_MS } from '../db/queries/reedit-drafts'
import { putTombstone } from '../db/queries/tombstones'
import type { CoreContext, Effects } from '../context'
import { refreshQuotesOf } from '../services/replies'
import { messageView, touchConversation } from '../views'

export interface Withdrawal {
  message: MessageRow
  /** Who withdrew it. */
  actor: string
  reason: string | null
  /** When the withdraw happened (server time). */
  at: number
}

/**
 * A withdraw this device made: acknowledged by the server, its own command relayed back
 * before that acknowledgement, or an unsent message cancelled. The user's own words are
 * kept for Re-edit; a moderator keeps nothing of what they removed.
 */
export function removeWithdrawnHere(ctx: CoreContext, fx: Effects, w: Omit<Withdrawal, 'actor'>, me: string): void {
  remove(ctx, fx, { ...w, actor: me }, me, w.message.sender === me)
}

/** A withdraw made elsewhere (by the author, a moderator, or another device of mine): nothing is kept. */
export function removeWithdrawnElsewhere(ctx: CoreContext, fx: Effects, w: Withdrawal, me: string): void {
  remove(ctx, fx, w, me, false)
}

/**
 * The message and its search entry go, anything still queued for it leaves the outbox, a
 * tombstone blocks its return, a notice takes its place (same id, same position), and
 * the conversation's preview and unread count follow. After commit, the search partition
 * that held it is merged (dropping its now-orphaned trigrams) and the WAL is truncated.
 */
function remove(ctx: CoreContext, fx: Effects, w: Withdrawal, me: string, keepDraft: boolean): void {
  const { db } = ctx
  const m = w.message
  const wasUnread = countsAsUnread(db, m, me)
  fx.unindexed(deleteMessage(db, m))
  deleteOutboxFor(db, m.id)
  putTombstone(db, {
    msgId: m.id,
    conversationId: m.conversationId,
    by: w.actor,
    author: m.sender,
    at: w.at,
    messageTs: m.ts,
    reason: w.reason,
    status: 'applied',
  })
  insertNotice(db, { id: m.id, conversationId: m.conversationId, author: m.sender, actor: w.actor, reason: w.reason, ts: m.ts })
  if (keepDraft && m.text !== null) {
    putDraft(db, m.id, m.text, ctx.now() + REEDIT_KEEP_MS)
    fx.keptDraft = true
  }
  fx.checkpoint = true
  announceNotice(ctx, fx, m.id, me)
  // the notice that takes its place never counts
  touchConversation(ctx, fx, m.conversationId, me, wasUnread ? -1 : 0)
}

/** Announce the notice that now stands where message `id` was, and the replies that quote it. */
export function announceNotice(ctx: CoreContext, fx: Effects, id: string, me: string): void {
  const notice = getMessage(ctx.db, id)
  if (!notice) return
  fx.emit('message:withdrawn', {
    conversationId: notice.conversationId,
    messageId: id,
    notice: messageView(ctx, notice, me),
  })
  refreshQuotesOf(ctx, fx, notice.conversationId, id, me)
}
