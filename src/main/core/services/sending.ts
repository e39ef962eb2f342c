import { fail, ok, type MessageView, type Result } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import { logger } from '../../../shared/log'
import { PROTOCOL_ERRORS } from '../../../shared/errors'
import { directMembers } from '../../../shared/protocol'
import { commit, type CoreContext, type Effects } from '../context'
import { getConversation } from '../db/queries/conversations'
import { getMessage, insertTextMessage, setDelivery, type MessageRow } from '../db/queries/messages'
import { deleteOutboxEntry, enqueue, getOutboxEntry, type OutboxEntry } from '../db/queries/outbox'
import type { Connection } from '../net/connection'
import type { PendingRequests, Reply } from '../net/requests'
import { messageView, touchConversation } from '../views'
import { ensureConversationFor, isMember } from './membership'
import { frameFor, type OutboxTransmitter } from './outbox-transmitter'

const log = logger('core.sending')

/** My own messages never count as unread: changes to them leave the count as it is (no recount). */
const MINE_NEVER_UNREAD = 0

/**
 * The server took my message (ack) or my log echoed it back: it is 'sent' with the
 * server's timestamp, and leaves the outbox. A receipt may already have made it 'delivered'.
 */
export function confirmSent(ctx: CoreContext, fx: Effects, m: MessageRow, serverTs: number, me: string): void {
  const state = m.state === 'delivered' ? 'delivered' : 'sent'
  const ts = Math.round(serverTs)
  log.debug({ msgId: m.id, ts }, 'send confirmed')
  deleteOutboxEntry(ctx.db, m.id)
  if (state === m.state && ts === m.ts) return
  setDelivery(ctx.db, m.id, state, ts)
  const updated = getMessage(ctx.db, m.id)
  if (updated) fx.emit('message:updated', { message: messageView(ctx, updated, me) })
  touchConversation(ctx, fx, m.conversationId, me, MINE_NEVER_UNREAD)
}

export class SendingService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly requests: PendingRequests,
    private readonly outbox: OutboxTransmitter,
  ) {}

  async send(args: { conversationId: string; text: string; replyTo?: string }): Promise<Result<MessageView>> {
    const { ctx } = this
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    if (args.text.trim() === '') return fail('INVALID_ARGUMENT', 'the message is empty')
    const members = directMembers(args.conversationId)
    if (members && !members.includes(me)) return fail('NOT_ALLOWED', 'not a conversation of yours')
    if (!members && !getConversation(ctx.db, args.conversationId)) return fail('NOT_FOUND', 'no such conversation')
    if (!members && !isMember(ctx.db, args.conversationId, me)) return fail('NOT_ALLOWED', 'you are no longer a member of this group')
    if (args.replyTo !== undefined) {
      const quoted = getMessage(ctx.db, args.replyTo)
      if (!quoted || quoted.conversationId !== args.conversationId) {
        return fail('NOT_FOUND', 'the message you reply to is not in this conversation')
      }
      if (quoted.kind !== 'text') return fail('NOT_FOUND', 'the message you reply to was withdrawn')
    }

    const link = this.connection()
    const online = link.ready
    const id = newId()
    const view = commit(ctx, (fx) => {
      ensureConversationFor(ctx.db, args.conversationId, me, ctx.now())
      insertTextMessage(ctx.db, {
        id,
        conversationId: args.conversationId,
        sender: me,
        text: args.text,
        ts: Math.round(ctx.serverNow()),
        state: 'sending',
        replyTo: args.replyTo ?? null,
      })
      enqueue(ctx.db, {
        id,
        kind: 'send',
        conversationId: args.conversationId,
        messageId: id,
        reason: null,
        transmitted: online,
        createdAt: ctx.now(),
      })
      const row = getMessage(ctx.db, id)!
      const v = messageView(ctx, row, me)
      fx.emit('message:added', { message: v })
      touchConversation(ctx, fx, args.conversationId, me, MINE_NEVER_UNREAD)
      return v
    })
    log.debug({ msgId: id, online }, 'message stored')
    if (online) {
      const entry = getOutboxEntry(ctx.db, id)
      const frame = entry && frameFor(ctx, entry)
      if (frame) this.requests.send(link, frame, (reply) => this.onReply(reply))
    }
    return ok(view)
  }

  /** The server's answer to a message of mine, sent now or resent from the outbox. */
  onReply(reply: Reply): void {
    if (reply.type === 'ack') this.accepted(reply)
    else if (reply.type === 'error') this.refused(reply)
  }

  private accepted(frame: { id: string; ts: number }): void {
    const { ctx } = this
    const me = ctx.me()
    const m = getMessage(ctx.db, frame.id)
    if (!me || !m || m.kind !== 'text' || m.sender !== me) {
      // Not a message (any more): a send withdrawn meanwhile only needs its outbox row gone.
      if (getOutboxEntry(ctx.db, frame.id)?.kind === 'send') deleteOutboxEntry(ctx.db, frame.id)
      return
    }
    commit(ctx, (fx) => confirmSent(ctx, fx, m, frame.ts, me))
  }

  private refused(frame: Extract<Reply, { type: 'error' }>): void {
    const { ctx } = this
    const entry: OutboxEntry | null = getOutboxEntry(ctx.db, frame.id)
    if (!entry || entry.kind !== 'send') return
    const where = { msgId: entry.messageId, code: frame.code }
    if (frame.code === 'WITHDRAWN') {
      // Withdrawn elsewhere (another device of mine): its relayed command removes the copy.
      log.info(where, 'resend refused: message was withdrawn')
      deleteOutboxEntry(ctx.db, entry.id)
      return
    }
    if (PROTOCOL_ERRORS[frame.code].transient) {
      log.warn(where, 'send refused for now; retrying')
      this.outbox.retrySoon()
      return
    }
    log.warn(where, 'send failed')
    const me = ctx.me()
    commit(ctx, (fx) => {
      deleteOutboxEntry(ctx.db, entry.id)
      const m = getMessage(ctx.db, entry.messageId)
      if (!m || m.kind !== 'text' || !me) return
      setDelivery(ctx.db, m.id, 'failed')
      const updated = getMessage(ctx.db, m.id)!
      fx.emit('message:updated', { message: messageView(ctx, updated, me) })
      touchConversation(ctx, fx, m.conversationId, me, MINE_NEVER_UNREAD)
    })
  }
}
