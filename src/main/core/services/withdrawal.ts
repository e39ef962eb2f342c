import { CLIENT_RECALL_GRACE_MS, decideWithdraw, type WithdrawDecision } from '../../../shared/recall'
import { countsAsUnread } from '../db/queries/conversations'
import { getMessage, deleteMessage, insertNotice, type MessageRow } from '../db/queries/messages'
import { deleteOutboxFor } from '../db/queries/outbox'
import { putDraft, REEDIT_KEEP_MS } from '../db/queries/reedit-drafts'
import { putTombstone } from '../db/queries/tombstones'
import type { CoreContext, Effects } from './context'
import { touchConversation, viewOfMessage } from './conversation-views'
import { roleIn } from './membership'
import { refreshQuotesOf } from './replies'

export interface WithdrawCheck {
  actor: string
  author: string
  conversationId: string
  /** Server timestamp of the withdrawn message. */
  messageTs: number
  /** Server timestamp of the withdraw command. */
  at: number
}

/**
 * The client's own check of a withdraw, from its own data: the actor's role here, the
 * server's timestamps, and a grace period (the server already enforced the window).
 */
export function judgeWithdraw(ctx: CoreContext, c: WithdrawCheck): WithdrawDecision {
  const windows = ctx.recallWindows()
  return decideWithdraw({
    actor: c.actor,
    author: c.author,
    actorRole: roleIn(ctx.db, c.conversationId, c.actor, c.at),
    messageTs: c.messageTs,
    now: c.at,
    windowSeconds: windows.recallWindowSeconds,
    adminWindowSeconds: windows.adminRecallWindowSeconds,
    graceMs: CLIENT_RECALL_GRACE_MS,
  })
}

export interface Removal {
  message: MessageRow
  actor: string
  reason: string | null
  /** When the withdraw happened (server time). */
  at: number
  /** Keep the text for Re-edit: only on the device that withdrew it. */
  keepDraft: boolean
}

/**
 * Inside one unit of work: the message and its search entry go, a tombstone blocks its
 * return, a notice takes its place (same id, same position), and the conversation's
 * preview and unread count follow. After commit, the search partition that held it is
 * merged (dropping its now-orphaned trigrams) and the WAL is truncated.
 */
export function removeWithdrawnMessage(ctx: CoreContext, fx: Effects, r: Removal, me: string): void {
  const { db } = ctx
  const m = r.message
  const wasUnread = countsAsUnread(db, m, me)
  fx.unindexed(deleteMessage(db, m))
  deleteOutboxFor(db, m.id)
  putTombstone(db, {
    msgId: m.id,
    conversationId: m.conversationId,
    by: r.actor,
    author: m.sender,
    at: r.at,
    messageTs: m.ts,
    reason: r.reason,
    status: 'applied',
  })
  insertNotice(db, { id: m.id, conversationId: m.conversationId, author: m.sender, actor: r.actor, reason: r.reason, ts: m.ts })
  if (r.keepDraft && m.text !== null) putDraft(db, m.id, m.text, ctx.now() + REEDIT_KEEP_MS)
  fx.checkpoint = true
  emitNotice(ctx, fx, m.id, me)
  // the notice that takes its place never counts
  touchConversation(ctx, fx, m.conversationId, me, wasUnread ? -1 : 0)
}

/** Announce the notice that now stands where message `id` was, and the replies that quote it. */
export function emitNotice(ctx: CoreContext, fx: Effects, id: string, me: string): void {
  const notice = getMessage(ctx.db, id)
  if (!notice) return
  fx.emit('message:withdrawn', {
    conversationId: notice.conversationId,
    messageId: id,
    notice: viewOfMessage(ctx, notice, me),
  })
  refreshQuotesOf(ctx, fx, notice.conversationId, id, me)
}
