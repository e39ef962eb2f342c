/**
 * Withdrawing a message from this device: the `withdrawMessage` bridge call, the REVOKE_FLAG
 * command it queues and sends, and the server's answer to that command.
 */
import { fail, ok, type Result, type WithdrawOutcome } from '../../../shared/bridge'
import { bridgeErrorOf, PROTOCOL_ERRORS } from '../../../shared/errors'
import { isModerator } from '../../../shared/group-rules'
import { newId } from '../../../shared/ids'
import { logger } from '../../../shared/log'
import { commit, type CoreContext } from '../context'
import { syncToDisk } from '../db/open'
import { getMessage } from '../db/queries/messages'
import {
  deleteOutboxEntry,
  enqueue,
  findOutboxFor,
  getOutboxEntry,
  markTransmitted,
  type OutboxEntry,
} from '../db/queries/outbox'
import { getTombstone } from '../db/queries/tombstones'
import type { Connection } from '../net/connection'
import type { PendingRequests, Reply } from '../net/requests'
import { roleIn } from '../services/membership'
import { frameFor } from '../services/outbox-transmitter'
import { removeWithdrawnHere } from './remove'

const log = logger('core.withdraw-sender')

/** How long the withdraw call waits for the server before answering 'queued'. */
const ANSWER_TIMEOUT_MS = 15_000

type Outcome = Result<{ outcome: WithdrawOutcome }>

const outcome = (o: WithdrawOutcome): Outcome => ok({ outcome: o })

export class WithdrawSender {
  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly requests: PendingRequests,
    /** The server could not take a command now: the outbox sends it again shortly. */
    private readonly retrySoon: () => void,
  ) {}

  async withdraw(args: { messageId: string; reason?: string }): Promise<Outcome> {
    const { ctx } = this
    const { db } = ctx
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const message = getMessage(db, args.messageId)
    if (!message) {
      // Asking again for one already gone gets the same answer.
      return getTombstone(db, args.messageId)?.status === 'applied'
        ? outcome('withdrawn')
        : fail('NOT_FOUND', 'no such message')
    }
    if (message.kind === 'notice') return outcome('withdrawn')
    // The server decides the window; who may ask at all is known here already.
    if (message.sender !== me && !isModerator(roleIn(db, message.conversationId, me))) {
      return fail('NOT_ALLOWED', 'only your own messages can be withdrawn (in a group, owners and admins may withdraw any)')
    }
    const reason = args.reason ?? null

    const queuedSend = findOutboxFor(db, message.id, 'send')
    if ((queuedSend && !queuedSend.transmitted) || message.state === 'failed') {
      // It never left this device (or the server refused it): cancel it here, nothing goes out.
      commit(ctx, (fx) => removeWithdrawnHere(ctx, fx, { message, reason, at: ctx.serverNow() }, me))
      log.info({ msgId: message.id }, 'unsent message cancelled')
      return outcome('cancelled')
    }

    const link = this.connection()
    const queuedCmd = findOutboxFor(db, message.id, 'cmd')
    let answering: Promise<Outcome | null> | null = null
    if (queuedCmd) {
      if (link.ready) {
        if (!queuedCmd.transmitted) markTransmitted(db, [queuedCmd.id])
        answering = this.transmit(queuedCmd, link)
      }
    } else {
      const entry = {
        id: newId(),
        kind: 'cmd' as const,
        conversationId: message.conversationId,
        messageId: message.id,
        reason,
        transmitted: link.ready,
        createdAt: ctx.now(),
      }
      // Online, the command goes out first and is recorded right after, without waiting for
      // the disk (an fsync costs milliseconds here, and withdrawing is a race against the
      // recipient's eyes; no answer can arrive before the commit below, in the same step).
      // The caller hears 'withdrawn' only once the server acknowledged it and that answer
      // was committed waiting for the disk, and 'queued' only once the queued command is
      // durable. A crash in between loses a command nobody was told about: the message then
      // still stands, or, if the server got it, the relayed command removes it here too.
      if (link.ready) answering = this.transmit(entry, link)
      // A send that left the device but is not acknowledged stays queued ahead of the
      // command: the server may not have it yet (its frame can still be on the way, on a
      // connection that has since dropped), and only the outbox's order — the send, then
      // the command, on one connection — makes sure the command finds what it withdraws.
      commit(ctx, () => enqueue(db, entry), { waitForDisk: !link.ready })
      log.debug({ msgId: message.id, cmdId: entry.id, transmitted: entry.transmitted }, 'withdraw recorded')
    }
    if (!answering) return outcome('queued')
    const answer = await answering
    if (answer && !(answer.ok && answer.value.outcome === 'queued')) return answer
    // No final answer yet: the command stays queued, and from now on it must survive a power cut.
    if (db.open) syncToDisk(db)
    return outcome('queued')
  }

  /** Writes the command; resolves with the server's answer, or null without one. */
  private transmit(cmd: Omit<OutboxEntry, 'seq' | 'transmitted'>, link: Connection): Promise<Outcome | null> {
    const frame = frameFor(this.ctx, cmd)
    const answer = frame && this.requests.ask(link, frame, (reply) => this.onReply(reply), ANSWER_TIMEOUT_MS)
    log.debug({ msgId: cmd.messageId, cmdId: cmd.id, sent: !!answer }, 'withdraw transmitted')
    return answer ?? Promise.resolve(null)
  }

  /** The server's answer to a command of mine, sent now or resent from the outbox. */
  onReply(reply: Reply): Outcome {
    const { ctx } = this
    const entry = getOutboxEntry(ctx.db, reply.id)
    if (!entry || entry.kind !== 'cmd') {
      // Already applied through the relayed command (it can overtake the ack), or refused meanwhile.
      return reply.type === 'error' ? { ok: false, error: bridgeErrorOf(reply) } : outcome('withdrawn')
    }
    switch (reply.type) {
      case 'ack':
        return this.accepted(entry, reply.ts)
      case 'error':
        return this.refused(entry, reply)
      default:
        log.warn({ cmdId: entry.id, type: reply.type }, 'unexpected answer to a withdraw')
        return outcome('queued')
    }
  }

  private accepted(entry: OutboxEntry, at: number): Outcome {
    const { ctx } = this
    const me = ctx.me()
    commit(ctx, (fx) => {
      deleteOutboxEntry(ctx.db, entry.id)
      const message = getMessage(ctx.db, entry.messageId)
      if (me && message?.kind === 'text') removeWithdrawnHere(ctx, fx, { message, reason: entry.reason, at }, me)
    })
    log.info({ msgId: entry.messageId, cmdId: entry.id }, 'withdrawn')
    return outcome('withdrawn')
  }

  private refused(entry: OutboxEntry, error: Extract<Reply, { type: 'error' }>): Outcome {
    const { ctx } = this
    const where = { msgId: entry.messageId, code: error.code }
    if (PROTOCOL_ERRORS[error.code].transient) {
      log.warn(where, 'withdraw not processed; will retry')
      this.retrySoon()
      return outcome('queued')
    }
    const me = ctx.me()
    const message = getMessage(ctx.db, entry.messageId)
    if (error.code === 'NOT_FOUND' && me && message?.kind === 'text' && message.state === 'failed') {
      // The server refused the send itself (its answer comes before this one, on the same
      // connection): it never reached anyone.
      commit(ctx, (fx) => removeWithdrawnHere(ctx, fx, { message, reason: entry.reason, at: ctx.serverNow() }, me))
      log.info(where, 'unsent message cancelled')
      return outcome('cancelled')
    }
    deleteOutboxEntry(ctx.db, entry.id)
    log.warn(where, 'withdraw refused')
    const refusal = bridgeErrorOf(error)
    // Nobody waits for a command sent from the outbox: the renderer hears of the refusal.
    if (!this.requests.isAwaited(entry.id)) ctx.emit('message:withdraw-failed', { messageId: entry.messageId, error: refusal })
    return { ok: false, error: refusal }
  }
}
