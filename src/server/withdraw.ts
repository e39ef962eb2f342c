/**
 * Withdraw (REVOKE_FLAG): the server is the authority on who may take a message back and
 * until when. The store decides with the rules below inside the write, on the message as
 * stored, and only an allowed withdraw deletes the message and its events everywhere, in
 * one transaction; everything else answers with a code and changes nothing.
 */
import { logger } from '../shared/log'
import { chatTypeOf, type CmdFrame } from '../shared/protocol'
import type { Role } from '../shared/group-rules'
import { decideWithdraw, type WithdrawDecision } from '../shared/withdraw-rules'
import { type Actor, type ChatContext, publishDeliveries } from './context'
import { accessConversation, onCurrentRoster, STALE } from './conversations'
import { ackFrame, errorFrame, type Reply } from './frames'
import type { TombstoneRecord } from './store/types'

const log = logger('server.withdraw')

export function withdrawMessage(ctx: ChatContext, actor: Actor, frame: CmdFrame): Promise<Reply> {
  return onCurrentRoster(frame.conversationId, 'withdraw not applied', () => tryWithdraw(ctx, actor, frame))
}

async function tryWithdraw(ctx: ChatContext, actor: Actor, frame: CmdFrame): Promise<Reply | typeof STALE> {
  const { id: cmdId, conversationId } = frame
  const { msgId } = frame.ext
  const expectedChatType = chatTypeOf(conversationId)
  if (frame.chatType !== expectedChatType) {
    return errorFrame('BAD_FRAME', `chatType must be ${expectedChatType} for this conversation`, cmdId)
  }
  const access = await accessConversation(ctx.store, conversationId, actor.username)
  if (!access.ok) {
    // a 1:1 with a user who does not exist has no messages to withdraw
    return access.code === 'USER_NOT_FOUND' ? notFound(cmdId) : errorFrame(access.code, access.message, cmdId)
  }

  const now = ctx.now()
  const result = await ctx.store.withdrawMessage({
    msgId,
    conversationId,
    by: actor.username,
    cmdId,
    chatType: frame.chatType,
    reason: frame.ext.reason ?? null,
    members: access.members,
    groupVersion: access.groupVersion,
    now,
    // the window on the store's clock, the one that stamped the message (store/types.ts)
    authorize: (message, storeNow) =>
      decideWithdraw({
        actor: actor.username,
        author: message.sender,
        actorRole: access.role,
        messageTs: message.ts,
        now: storeNow,
        windowSeconds: ctx.recallWindowSeconds,
        adminWindowSeconds: ctx.adminRecallWindowSeconds,
      }),
  })
  switch (result.kind) {
    case 'stale':
      // a role or the roster changed since it was read: decide again on the new one
      return STALE
    case 'refused':
      log.info({ conversationId, msgId, actor: actor.username, code: result.decision.code }, 'withdraw refused')
      return refusal(result.decision, cmdId)
    case 'withdrawn':
      await publishDeliveries(ctx.bus, result.deliveries, actor.username)
      log.info({ conversationId, msgId, cmdId, actor: actor.username, as: result.as }, 'message withdrawn')
      return ackFrame(cmdId, result.tombstone.withdrawnAt)
    case 'already-withdrawn':
      log.debug({ conversationId, msgId, cmdId, actor: actor.username, firstCmdId: result.tombstone.cmdId }, 'already withdrawn')
      if (result.tombstone.cmdId === cmdId) {
        // this very command again: the same answer, to the same actor only
        const isRetry = result.tombstone.conversationId === conversationId && result.tombstone.withdrawnBy === actor.username
        return isRetry ? ackFrame(cmdId, result.tombstone.withdrawnAt, true) : idConflict(cmdId)
      }
      return answerRepeat(ctx, actor, access.role, frame, result.tombstone)
    case 'not-found':
      log.debug({ conversationId, msgId, cmdId, actor: actor.username }, 'withdraw of an unknown message')
      return notFound(cmdId)
    case 'id-conflict':
      return idConflict(cmdId)
  }
}

/**
 * Another withdraw of a message that is already gone gets the original answer, if this
 * actor could have withdrawn it at the moment it was withdrawn: a retry that arrives after
 * the window closed still succeeds, and a stranger still learns nothing.
 */
function answerRepeat(ctx: ChatContext, actor: Actor, role: Role, frame: CmdFrame, tombstone: TombstoneRecord): Reply {
  if (tombstone.conversationId !== frame.conversationId) return notFound(frame.id)
  const decision = decideWithdraw({
    actor: actor.username,
    author: tombstone.author,
    actorRole: role,
    messageTs: tombstone.messageTs,
    now: tombstone.withdrawnAt,
    windowSeconds: ctx.recallWindowSeconds,
    adminWindowSeconds: ctx.adminRecallWindowSeconds,
  })
  return decision.allowed ? ackFrame(frame.id, tombstone.withdrawnAt, true) : refusal(decision, frame.id)
}

function refusal(decision: WithdrawDecision & { allowed: false }, cmdId: string): Reply {
  switch (decision.code) {
    case 'NOT_MEMBER':
      return errorFrame('NOT_MEMBER', 'you are not a member of this conversation', cmdId)
    case 'NOT_ALLOWED':
      return errorFrame('NOT_ALLOWED', 'only the author (or a group admin) can withdraw this message', cmdId)
    case 'RECALL_TIME_LIMIT':
      return errorFrame('RECALL_TIME_LIMIT', 'the time to withdraw this message has passed', cmdId)
  }
}

function notFound(cmdId: string): Reply {
  return errorFrame('NOT_FOUND', 'no such message in this conversation', cmdId)
}

function idConflict(cmdId: string): Reply {
  return errorFrame('ID_CONFLICT', 'this id is already used by another message or command', cmdId)
}
