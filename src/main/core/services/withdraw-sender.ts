import { fail, ok, type BridgeError, type BridgeErrorCode, type Result, type WithdrawOutcome } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import { isModerator } from '../../../shared/group-rules'
import { logger } from '../../../shared/log'
import type { ErrorCode } from '../../../shared/protocol'
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
import { PendingReplies } from '../net/pending-replies'
import { commit, type CoreContext } from './context'
import { frameFor } from './outbox-transmitter'
import { roleIn } from './membership'
import { removeWithdrawnMessage } from './withdrawal'

const log = logger('core.withdraw-sender')

/** How long the withdraw call waits for the server before answering 'queued'. */
const ANSWER_TIMEOUT_MS = 15_000

type Outcome = Result<{ outcome: WithdrawOutcome }>

const REFUSALS: Partial<Record<ErrorCode, BridgeErrorCode>> = {
  NOT_ALLOWED: 'NOT_ALLOWED',
  NOT_MEMBER: 'NOT_ALLOWED',
  NOT_FOUND: 'NOT_FOUND',
  RECALL_TIME_LIMIT: 'RECALL_TIME_LIMIT',
}

/** Transient: the command stays queued and goes out again. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'INTERNAL'])

const outcome = (o: WithdrawOutcome): Outcome => ok({ outcome: o })

export class WithdrawSender {
  private readonly answers = new PendingReplies<Outcome>()

  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly onRetryable: () => void,
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
    if (message.sender !== me && !isModerator(roleIn(db, message.conversationId, me))) {
      return fail('NOT_ALLOWED', 'only your own messages can be withdrawn (in a group, owners and admins may withdraw any)')
    }
    const reason = args.reason ?? null

    const queuedSend = findOutboxFor(db, message.id, 'send')
    if ((queuedSend && !queuedSend.transmitted) || message.state === 'failed') {
      // It never left this device (or the server refused it): cancel it here, nothing goes out.
      commit(ctx, (fx) =>
        removeWithdrawnMessage(ctx, fx, { message, actor: me, reason, at: ctx.serverNow(), keepDraft: true }, me),
      )
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
      try {
        // A send that left the device but is not acknowledged stays queued ahead of the
        // command: the server may not have it yet (its frame can still be on the way, on a
        // connection that has since dropped), and only the outbox's order — the send, then
        // the command, on one connection — makes sure the command finds what it withdraws.
        commit(ctx, () => enqueue(db, entry), { waitForDisk: !link.ready })
        log.debug({ msgId: message.id, cmdId: entry.id, transmitted: entry.transmitted }, 'withdraw recorded')
      } catch (err) {
        this.answers.settle(entry.id, null)
        throw err
      }
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
    const answer = this.answers.wait(cmd.id, ANSWER_TIMEOUT_MS)
    const frame = frameFor(this.ctx, cmd)
    const sent = !!frame && link.send(frame)
    log.debug({ msgId: cmd.messageId, cmdId: cmd.id, sent }, 'withdraw transmitted')
    if (!sent) this.answers.settle(cmd.id, null)
    return answer
  }

  /** The server accepted a withdraw of mine. */
  onAck(frame: { id: string; ts: number }): boolean {
    const { ctx } = this
    const entry = getOutboxEntry(ctx.db, frame.id)
    if (!entry || entry.kind !== 'cmd') {
      // Already applied through the relayed command (it can overtake the ack).
      return this.answers.settle(frame.id, outcome('withdrawn'))
    }
    const me = ctx.me()
    commit(ctx, (fx) => {
      deleteOutboxEntry(ctx.db, entry.id)
      const message = getMessage(ctx.db, entry.messageId)
      if (me && message?.kind === 'text') {
        // Re-edit is for one's own words: a moderator keeps nothing of what they removed.
        const keepDraft = message.sender === me
        removeWithdrawnMessage(ctx, fx, { message, actor: me, reason: entry.reason, at: frame.ts, keepDraft }, me)
      }
    })
    log.info({ msgId: entry.messageId, cmdId: entry.id }, 'withdrawn')
    this.answers.settle(frame.id, outcome('withdrawn'))
    return true
  }

  /** The server refused a withdraw of mine. */
  onError(frame: { id?: string; code: ErrorCode; message: string }): boolean {
    const { ctx } = this
    if (!frame.id) return false
    const entry = getOutboxEntry(ctx.db, frame.id)
    if (!entry || entry.kind !== 'cmd') return this.answers.settle(frame.id, refusal(frame.code, frame.message))
    const where = { msgId: entry.messageId, code: frame.code }
    if (RETRYABLE.has(frame.code)) {
      log.warn(where, 'withdraw not processed; will retry')
      this.answers.settle(frame.id, outcome('queued'))
      this.onRetryable()
      return true
    }
    const me = ctx.me()
    const message = getMessage(ctx.db, entry.messageId)
    if (frame.code === 'NOT_FOUND' && me && message?.kind === 'text' && message.state === 'failed') {
      // The server refused the send itself (its answer comes before this one, on the same
      // connection): it never reached anyone.
      commit(ctx, (fx) =>
        removeWithdrawnMessage(ctx, fx, { message, actor: me, reason: entry.reason, at: ctx.serverNow(), keepDraft: true }, me),
      )
      log.info(where, 'unsent message cancelled')
      this.answers.settle(frame.id, outcome('cancelled'))
      return true
    }
    deleteOutboxEntry(ctx.db, entry.id)
    log.warn(where, 'withdraw refused')
    const result = refusal(frame.code, frame.message)
    if (!this.answers.settle(frame.id, result) && !result.ok) {
      ctx.emit('message:withdraw-failed', { messageId: entry.messageId, error: result.error })
    }
    return true
  }

  /** The socket went away: callers still waiting get 'queued' (the command stays in the outbox). */
  onDisconnect(): void {
    this.answers.cancelAll()
  }
}

function refusal(code: ErrorCode, message: string): Outcome {
  const mapped = REFUSALS[code] ?? 'INTERNAL'
  const error: BridgeError = { code: mapped, message: mapped === 'INTERNAL' ? `server error: ${code}` : message }
  return { ok: false, error }
}
