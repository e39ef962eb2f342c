/** `send`, `received` and `lookup`: the message half of the protocol. */
import { logger } from '../shared/log'
import { type SendFrame, USERNAME_RE } from '../shared/protocol'
import { type Actor, type ChatContext, publishDeliveries } from './context'
import { accessConversation, onCurrentRoster, STALE } from './conversations'
import { ackFrame, errorFrame, type Reply } from './frames'

const log = logger('server.messaging')

export function sendMessage(ctx: ChatContext, actor: Actor, frame: SendFrame): Promise<Reply> {
  return onCurrentRoster(frame.conversationId, 'send not stored', () => trySend(ctx, actor, frame))
}

async function trySend(ctx: ChatContext, actor: Actor, frame: SendFrame): Promise<Reply | typeof STALE> {
  const access = await accessConversation(ctx.store, frame.conversationId, actor.username)
  if (!access.ok) return errorFrame(access.code, access.message, frame.id)
  const result = await ctx.store.appendMessage({
    id: frame.id,
    conversationId: frame.conversationId,
    sender: actor.username,
    text: frame.text,
    replyTo: frame.replyTo ?? null,
    members: access.members,
    groupVersion: access.groupVersion,
    now: ctx.now(),
  })
  log.debug({ msgId: frame.id, conversationId: frame.conversationId, sender: actor.username, outcome: result.kind }, 'send')
  switch (result.kind) {
    case 'stale':
      // the group changed between reading its roster and writing: the new roster decides
      return STALE
    case 'appended':
      await publishDeliveries(ctx.bus, result.deliveries, actor.username)
      return ackFrame(frame.id, result.ts)
    case 'duplicate':
      return ackFrame(frame.id, result.ts, true)
    case 'withdrawn':
      return errorFrame('WITHDRAWN', 'this message was withdrawn and cannot be sent again', frame.id)
    case 'id-conflict':
      return errorFrame('ID_CONFLICT', 'this id is already used by another message or command', frame.id)
  }
}

/** Cumulative ack from a device; first deliveries produce receipts for their senders. */
export async function acknowledge(ctx: ChatContext, actor: Actor, seq: number): Promise<void> {
  const { deliveries } = await ctx.store.ackDevice({ ...actor, seq, now: ctx.now() })
  await publishDeliveries(ctx.bus, deliveries, actor.username)
}

export async function lookupUser(
  ctx: ChatContext,
  frame: { id: string; username: string },
): Promise<{ type: 'lookup-result'; id: string; username: string; found: boolean }> {
  const found = USERNAME_RE.test(frame.username) && (await ctx.store.findUser(frame.username)) !== null
  return { type: 'lookup-result', id: frame.id, username: frame.username, found }
}
