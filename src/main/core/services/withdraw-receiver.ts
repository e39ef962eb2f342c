import { logger } from '../../../shared/log'
import type { CmdEvent, MessageEvent } from '../../../shared/protocol'
import { deleteMessage, getMessage, insertNotice } from '../db/queries/messages'
import { findOutboxFor } from '../db/queries/outbox'
import { deleteTombstone, getTombstone, putTombstone } from '../db/queries/tombstones'
import type { CoreContext, Effects } from './context'
import { touchConversation } from './conversation-views'
import { ensureConversationFor, roleIn } from './membership'
import { emitNotice, judgeWithdraw, removeWithdrawnMessage } from './withdrawal'

const log = logger('core.withdraw-receiver')

/**
 * A relayed REVOKE_FLAG. Applied only when this device's own data agrees that the
 * actor may withdraw that message; anything else is logged (ids and reason, never
 * text) and ignored. The caller acknowledges the event either way.
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
    // The withdrawing device may hear the relayed command before the server's ack.
    const keepDraft = message.sender === me && ev.from === me && findOutboxFor(db, msgId, 'cmd') !== null
    removeWithdrawnMessage(ctx, fx, { message, actor: ev.from, reason, at: ev.ts, keepDraft }, me)
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
    emitNotice(ctx, fx, msgId, me)
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
      emitNotice(ctx, fx, ev.id, me)
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
