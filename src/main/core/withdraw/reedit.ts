import { fail, ok, type Result } from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { commit, type CoreContext } from '../context'
import { getMessage } from '../db/queries/messages'
import { deleteExpiredDrafts, getLiveDraft, nextDraftExpiry } from '../db/queries/reedit-drafts'
import { messageView } from '../views'

const log = logger('core.reedit')
/** Upper bound between sweeps, so a clock jump cannot keep a draft alive for long. */
const MAX_SWEEP_INTERVAL_MS = 60_000

/**
 * Re-edit: the original text of a message I withdrew, kept on this device only
 * (withdraw/remove.ts), for five minutes; then it is deleted (and the WAL truncated) like
 * any withdrawn text, and its notice no longer offers Re-edit.
 */
export class ReEditService {
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor(private readonly ctx: CoreContext) {}

  async reEdit(args: { messageId: string }): Promise<Result<{ text: string }>> {
    if (!this.ctx.me()) return fail('NOT_SIGNED_IN', 'sign in first')
    const text = getLiveDraft(this.ctx.db, args.messageId, this.ctx.now())
    if (text === null) {
      this.sweep()
      return fail('REEDIT_EXPIRED', 'the original text is no longer kept')
    }
    return ok({ text })
  }

  /** Delete expired drafts now and plan the next sweep. */
  sweep(): void {
    if (this.stopped || !this.ctx.db.open) return
    const { ctx } = this
    const me = ctx.me()
    const expired = commit(ctx, (fx) => {
      const ids = deleteExpiredDrafts(ctx.db, ctx.now())
      if (ids.length === 0) return ids
      fx.checkpoint = true
      for (const id of ids) {
        const notice = getMessage(ctx.db, id)
        if (notice && me) fx.emit('message:updated', { message: messageView(ctx, notice, me) })
      }
      return ids
    })
    if (expired.length) log.info({ drafts: expired.length }, 're-edit drafts expired')
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Plan the next sweep for the earliest draft (after a commit kept one: `Effects.keptDraft`). */
  schedule(): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    const next = nextDraftExpiry(this.ctx.db)
    const delay = next === null ? MAX_SWEEP_INTERVAL_MS : Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(0, next - this.ctx.now()) + 10)
    this.timer = setTimeout(() => this.sweep(), delay)
    this.timer.unref()
  }
}
