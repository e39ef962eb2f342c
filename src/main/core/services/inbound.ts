import { logger } from '../../../shared/log'
import type { EventFrame, MessageEvent, ReceiptEvent, ServerEvent } from '../../../shared/protocol'
import { countsAsUnread } from '../db/queries/conversations'
import { advanceCursor, setMeta } from '../db/queries/meta'
import { getMessage, insertTextMessage, setDelivery } from '../db/queries/messages'
import type { Connection } from '../net/connection'
import { inTurn, wake, type Chore } from '../turns'
import { cleanupRunning, finishCleanup } from '../db/cleanup'
import { commit, type CoreContext, type Effects } from '../context'
import { touchConversation, messageView } from '../views'
import { ensureConversationFor, isMember, roleIn } from './membership'
import { confirmSent } from './sending'
import { refreshQuotesOf } from './replies'
import { applyGroupEvent } from './groups'
import { admitMessage, applyWithdrawCommand } from '../withdraw/receive'

const log = logger('core.inbound')

/**
 * Acknowledgements are cumulative, so a burst needs only its last one: the first goes
 * at once, the rest of a burst is folded into one at most this often.
 */
export const ACK_INTERVAL_MS = 200

/**
 * Applies the server's event stream strictly in order, each event in ONE transaction
 * together with the cursor, and only then tells the server `received`. Every event is
 * idempotent, so a replay after a lost acknowledgement changes nothing.
 */
export class InboundProcessor {
  /** Set after a failed commit: later events must not be acknowledged past the one that failed. */
  private halted = false
  private pendingAck: number | null = null
  private lastAckAt = Number.NEGATIVE_INFINITY
  private ackTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    /** Told after each event's commit (group ops wait for their own event). */
    private readonly onApplied: (event: ServerEvent) => void = () => {},
  ) {}

  /** A fresh connection replays from the server's cursor: start applying again. */
  onConnected(): void {
    this.halted = false
    this.stop()
  }

  /** Forget a pending acknowledgement (its connection is gone; the replay brings it back). */
  stop(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer)
    this.ackTimer = null
    this.pendingAck = null
    this.lastAckAt = Number.NEGATIVE_INFINITY
  }

  /** One event handled on its own, now (outside the inbox: injected by tests). */
  handle(frame: EventFrame): void {
    finishCleanup(this.ctx.db)
    this.handleBatch([frame])
  }

  /**
   * Consecutive events of the stream, in order, in one transaction: all of them or none
   * (a failure replays them all, and every event is idempotent). False: not now, while a
   * cleanup after withdraws merges the search index (db/cleanup.ts); nothing was
   * done, and the caller offers the same events again later.
   */
  handleBatch(frames: readonly EventFrame[]): boolean {
    if (cleanupRunning(this.ctx.db)) return false
    const me = this.ctx.me()
    const last = frames.at(-1)
    if (this.halted || !me || !last) return true
    try {
      // Not waiting for the disk per event (an fsync costs milliseconds here, so a catch-up
      // of 10,000 events took tens of seconds): `sendAck` makes them durable before the
      // server hears of them, and anything not acknowledged is replayed anyway.
      commit(
        this.ctx,
        (fx) => {
          for (const frame of frames) {
            applyEvent(this.ctx, fx, frame.event, me)
            advanceCursor(this.ctx.db, frame.seq)
          }
        },
        { waitForDisk: false, coalesceCheckpoint: true },
      )
    } catch (err) {
      this.halted = true
      const code = (err as { code?: unknown }).code
      const seqs = { from: frames[0]!.seq, to: last.seq }
      log.error({ ...seqs, code, err: (err as Error).message }, 'events not applied; reconnecting to replay them')
      this.connection().restart('local database error')
      return true
    }
    for (const frame of frames) this.onApplied(frame.event)
    this.acknowledge(last.seq)
    return true
  }

  /**
   * What this connection's stream delivered and we committed, in order; never the stored
   * cursor, which may come from a stream this server never sent (another server, a test).
   */
  private acknowledge(seq: number): void {
    this.pendingAck = Math.max(this.pendingAck ?? 0, seq)
    if (this.ackTimer) return
    const wait = this.lastAckAt + ACK_INTERVAL_MS - performance.now()
    if (wait <= 0) {
      this.ackSoon(inTurn())
      return
    }
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null
      this.ackSoon(true)
    }, wait)
  }

  /**
   * The `received` barrier waits for the disk: during a replay it is a step of its own
   * (turns.ts), not added to the slice of events that just committed or to the turn
   * its timer fires in; an event handled on its own, outside the turns, is acknowledged at once.
   */
  private ackSoon(asStep: boolean): void {
    if (asStep) wake(this.ackStep)
    else this.sendAck()
  }

  private readonly ackStep: Chore = {
    step: () => {
      this.sendAck()
      return false
    },
  }

  private sendAck(): void {
    if (this.pendingAck === null) return
    try {
      // waits for the disk; the WAL's fsync covers every event committed before it
      setMeta(this.ctx.db, 'ackedCursor', String(this.pendingAck))
    } catch (err) {
      this.halted = true
      this.pendingAck = null
      const code = (err as { code?: unknown }).code
      log.error({ code, err: (err as Error).message }, 'events not made durable; reconnecting to replay them')
      this.connection().restart('local database error')
      return
    }
    this.connection().send({ type: 'received', seq: this.pendingAck })
    this.pendingAck = null
    this.lastAckAt = performance.now()
  }
}

export function applyEvent(ctx: CoreContext, fx: Effects, event: ServerEvent, me: string): void {
  // a group event may be the one that makes me a member
  if (event.kind === 'group') {
    applyGroupEvent(ctx, fx, event, me)
    return
  }
  if (!isMember(ctx.db, event.conversationId, me)) {
    log.warn({ kind: event.kind, conversationId: event.conversationId }, 'event for a conversation I am not in; ignored')
    return
  }
  switch (event.kind) {
    case 'message':
      applyMessage(ctx, fx, event, me)
      return
    case 'cmd':
      applyWithdrawCommand(ctx, fx, event, me)
      return
    case 'receipt':
      applyReceipt(ctx, fx, event, me)
      return
    default: {
      const unknown: never = event
      log.warn({ event: (unknown as { kind?: string }).kind }, 'unknown event kind')
    }
  }
}

function applyMessage(ctx: CoreContext, fx: Effects, ev: MessageEvent, me: string): void {
  const where = { msgId: ev.id, conversationId: ev.conversationId, from: ev.from }
  if (roleIn(ctx.db, ev.conversationId, ev.from, ev.ts) === null) {
    log.warn(where, 'message from a non-member; ignored')
    return
  }
  const existing = getMessage(ctx.db, ev.id)
  if (existing?.kind === 'text') {
    if (existing.conversationId !== ev.conversationId || existing.sender !== ev.from) {
      log.warn(where, 'message id already used for another message; ignored')
    } else if (ev.from === me) {
      // My own message echoed back from my log: the same as its ack.
      confirmSent(ctx, fx, existing, ev.ts, me)
    }
    return
  }
  // Nothing, or a withdraw notice, stands under this id: its tombstone decides.
  if (admitMessage(ctx, fx, ev, me) === 'drop') return
  ensureConversationFor(ctx.db, ev.conversationId, me, ctx.now())
  const ts = Math.round(ev.ts)
  const unread = countsAsUnread(ctx.db, { conversationId: ev.conversationId, kind: 'text', sender: ev.from, ts }, me)
  insertTextMessage(ctx.db, {
    id: ev.id,
    conversationId: ev.conversationId,
    sender: ev.from,
    text: ev.text,
    ts,
    state: ev.from === me ? 'sent' : null,
    replyTo: ev.replyTo ?? null,
  })
  fx.emit('message:added', { message: messageView(ctx, getMessage(ctx.db, ev.id)!, me) })
  log.debug(where, 'message stored')
  // Replies that arrived before what they quote (history a new member never got, say) can show it now.
  refreshQuotesOf(ctx, fx, ev.conversationId, ev.id, me)
  touchConversation(ctx, fx, ev.conversationId, me, unread ? 1 : 0)
}

function applyReceipt(ctx: CoreContext, fx: Effects, ev: ReceiptEvent, me: string): void {
  const m = getMessage(ctx.db, ev.msgId)
  if (!m || m.kind !== 'text' || m.sender !== me || m.state === 'delivered') return
  setDelivery(ctx.db, m.id, 'delivered')
  fx.emit('message:updated', { message: messageView(ctx, getMessage(ctx.db, m.id)!, me) })
}
