import { logger } from '../../../shared/log'
import { chatTypeOf, REVOKE_FLAG, type SendFrame } from '../../../shared/protocol'
import type { CoreContext } from '../context'
import { getMessage } from '../db/queries/messages'
import { deleteOutboxEntry, listOutbox, markTransmitted, type OutboxEntry, type OutboxKind } from '../db/queries/outbox'
import type { Connection } from '../net/connection'
import type { PendingRequests, Reply, Request } from '../net/requests'

const log = logger('core.outbox')
const RETRY_MS = 2_000

/** The frame for one outbox entry; null when what it refers to is gone. */
export function frameFor(ctx: CoreContext, e: Omit<OutboxEntry, 'seq' | 'transmitted'>): Request | null {
  if (e.kind === 'cmd') {
    return {
      type: 'cmd',
      id: e.id,
      conversationId: e.conversationId,
      chatType: chatTypeOf(e.conversationId),
      action: REVOKE_FLAG,
      ext: e.reason ? { msgId: e.messageId, reason: e.reason } : { msgId: e.messageId },
    }
  }
  const m = getMessage(ctx.db, e.messageId)
  if (!m || m.kind !== 'text' || m.text === null) return null
  const frame: SendFrame = { type: 'send', id: e.id, conversationId: e.conversationId, text: m.text }
  return m.quote ? { ...frame, replyTo: m.quote.id } : frame
}

/**
 * Sends the outbox in queue order: all of it on every (re)connect (the server
 * deduplicates by id), and single entries as they are queued while online.
 */
export class OutboxTransmitter {
  private retryTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly requests: PendingRequests,
    /** Who handles the server's answer to each kind of entry (sending, withdraw/send.ts). */
    private readonly answeredBy: Record<OutboxKind, (reply: Reply) => unknown>,
  ) {}

  flush(): void {
    const link = this.connection()
    if (!link.ready) return
    const entries = listOutbox(this.ctx.db)
    const frames: Array<{ frame: Request; kind: OutboxKind }> = []
    for (const e of entries) {
      const frame = frameFor(this.ctx, e)
      if (frame) frames.push({ frame, kind: e.kind })
      else {
        log.warn({ id: e.id, kind: e.kind }, 'outbox entry refers to a missing message; dropped')
        deleteOutboxEntry(this.ctx.db, e.id)
      }
    }
    // Recorded before the bytes leave: after a crash we must assume the server may have them.
    markTransmitted(this.ctx.db, frames.map(({ frame }) => frame.id))
    for (const { frame, kind } of frames) if (!this.requests.send(link, frame, this.answeredBy[kind])) return
    if (frames.length) log.info({ frames: frames.length }, 'outbox sent')
  }

  /** The server asked us to slow down or failed transiently: try the whole queue again shortly. */
  retrySoon(): void {
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.flush()
    }, RETRY_MS)
    this.retryTimer.unref()
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }
}
