/**
 * Withdraws relayed by the server (REVOKE_FLAG commands in this device's event stream),
 * applied inside the inbound unit of work. The server already enforced the rules; this
 * device checks them again against its own data and ignores (and logs, ids and reason,
 * never text) anything that does not hold. The caller acknowledges the event either way.
 */
import { logger } from '../../../shared/log'
import type { CmdEvent, MessageEvent } from '../../../shared/protocol'
import { decideWithdraw, RECEIVER_GRACE_MS, type WithdrawDecision } from '../../../shared/withdraw-rules'
import type { CoreContext, Effects } from '../context'
import { deleteMessage, getMessage, insertNotice } from '../db/queries/messages'
import { findOutboxFor } from '../db/queries/outbox'
import { deleteTombstone, getTombstone, putTombstone } from '../db/queries/tombstones'
import { ensureConversationFor, roleIn } from '../services/membership'
import { touchConversation } from '../views'
import { announceNotice, removeWithdrawnElsewhere, removeWithdrawnHere } from './remove'

const log = logger('core.withdraw-receiver')

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
 * This device's own check of a withdraw: the shared rules, with the actor's role as this
 * device's rosters say it was at the command's server time, the server's timestamps, and a
 * grace period on the window (the server already enforced it with its own clock).
 */
export function judgeWithdraw(ctx: CoreContext, c: WithdrawCheck): WithdrawDecision {
  const windows = ctx.withdrawWindows()
  return decideWithdraw({
    actor: c.actor,
    author: c.author,
    actorRole: roleIn(ctx.db, c.conversationId, c.actor, c.at),
    messageTs: c.messageTs,
    now: c.at,
    windowSeconds: windows.recallWindowSeconds,
    adminWindowSeconds: windows.adminRecallWindowSeconds,
    graceMs: RECEIVER_GRACE_MS,
  })
}

/**
 * A relayed REVOKE_FLAG: the message goes when this device's data agrees the actor may
 * withdraw it; a command for a message not here yet is kept as a pending tombstone.
 */
export function applyWithdrawCommand(ctx: CoreContext, fx: Effects, ev: CmdEvent, me: string): void {
  const { db } = ctx
  const msgId = ev.ext.msgId
  const where = { cmdId: ev.id, msgId, conversationId: ev.conversationId, actor: ev.from }
  const reason = ev.ext.reason ?? null

  if (getTombstone(db, msgId)) {
    log.debug(where, 'duplicate withdraw: nothing to do')
    return
  }
  const message = getMessage(db, msgId)
  if (message) {
    if (message.kind !== 'text') {
      log.debug(where, 'already a notice: nothing to do')
      return
    }
    if (message.conversationId !== ev.conversationId) {
      log.warn({ ...where, reason: 'CONVERSATION_MISMATCH' }, 'withdraw ignored')
      return
    }
    const decision = judgeWithdraw(ctx, {
      actor: ev.from,
      author: message.sender,
      conversationId: message.conversationId,
      messageTs: message.ts,
      at: ev.ts,
    })
    if (!decision.allowed) {
      log.warn({ ...where, reason: decision.code }, 'withdraw ignored')
      return
    }
    // This device's own command can come back before the server's ack: it is this device's withdraw.
    const mine = ev.from === me && findOutboxFor(db, msgId, 'cmd') !== null
    const withdrawal = { message, reason, at: ev.ts }
    if (mine) removeWithdrawnHere(ctx, fx, withdrawal, me)
    else removeWithdrawnElsewhere(ctx, fx, { ...withdrawal, actor: ev.from }, me)
    log.debug(where, 'withdraw applied')
    return
  }

  // Withdraw before message: remember it, so the message is dropped when it arrives.
  if (roleIn(db, ev.conversationId, ev.from, ev.ts) === null) {
    log.warn({ ...where, reason: 'NOT_MEMBER' }, 'withdraw ignored')
    return
  }
  putTombstone(db, {
    msgId,
    conversationId: ev.conversationId,
    by: ev.from,
    author: ev.target.from,
    at: ev.ts,
    messageTs: ev.target.ts,
    reason,
    status: 'pending',
  })
  const attested = judgeWithdraw(ctx, {
    actor: ev.from,
    author: ev.target.from,
    conversationId: ev.conversationId,
    messageTs: ev.target.ts,
    at: ev.ts,
  })
  // The notice can show before the message only when the server vouches the actor wrote it,
  // or the actor moderated the group at the time; and only where this device would have
  // had the message (a group member joining later never had what came before).
  const vouched = attested.allowed && (ev.target.from === ev.from || attested.as === 'admin')
  if (vouched && roleIn(db, ev.conversationId, me, ev.target.ts) !== null) {
    ensureConversationFor(db, ev.conversationId, me, ctx.now())
    insertNotice(db, {
      id: msgId,
      conversationId: ev.conversationId,
      author: ev.target.from,
      actor: ev.from,
      reason,
      ts: Math.round(ev.target.ts),
    })
    announceNotice(ctx, fx, msgId, me)
    touchConversation(ctx, fx, ev.conversationId, me)
  }
  log.info(where, 'withdraw recorded before its message')
}

/**
 * A message that arrives under a tombstone is never stored when the tombstone holds for
 * it (same author, same conversation, the actor allowed); a tombstone that does not hold
 * is forgotten and the message shown.
 */
export function admitMessage(ctx: CoreContext, fx: Effects, ev: MessageEvent, me: string): 'store' | 'drop' {
  const { db } = ctx
  const t = getTombstone(db, ev.id)
  const where = { msgId: ev.id, conversationId: ev.conversationId, actor: t?.by }
  if (!t) {
    if (!getMessage(db, ev.id)) return 'store'
    log.warn({ ...where, reason: 'NOTICE_WITHOUT_TOMBSTONE' }, 'message dropped')
    return 'drop'
  }
  if (t.status === 'applied') {
    if (t.author !== ev.from) log.warn({ ...where, reason: 'AUTHOR_MISMATCH' }, 'message under an applied tombstone dropped')
    return 'drop'
  }
  const holds =
    t.author === ev.from &&
    t.conversationId === ev.conversationId &&
    judgeWithdraw(ctx, { actor: t.by, author: ev.from, conversationId: ev.conversationId, messageTs: ev.ts, at: t.at })
      .allowed
  const notice = getMessage(db, ev.id)
  if (holds) {
    putTombstone(db, { ...t, messageTs: Math.round(ev.ts), status: 'applied' })
    if (!notice) {
      ensureConversationFor(db, ev.conversationId, me, ctx.now())
      insertNotice(db, { id: ev.id, conversationId: ev.conversationId, author: ev.from, actor: t.by, reason: t.reason, ts: Math.round(ev.ts) })
      announceNotice(ctx, fx, ev.id, me)
      touchConversation(ctx, fx, ev.conversationId, me)
    }
    log.info(where, 'message withdrawn before it arrived: dropped')
    return 'drop'
  }
  log.warn({ ...where, reason: 'TOMBSTONE_DOES_NOT_HOLD' }, 'pending withdraw discarded')
  deleteTombstone(db, ev.id)
  if (notice && notice.kind === 'notice') deleteMessage(db, notice)
  return 'store'
}
