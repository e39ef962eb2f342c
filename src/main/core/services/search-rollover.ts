import { logger } from '../../../shared/log'
import { RECENT_INDEX_MS, rolloverBatch } from '../db/queries/search-index'
import { requestCleanup } from '../db/cleanup'
import type { CoreContext } from '../context'

const log = logger('core.search-rollover')

/** How often a running Parley moves aged messages from the recent search partition to the archive. */
export const ROLLOVER_EVERY_MS = 60 * 60 * 1000

/**
 * Keeps the recent search partition small (db/queries/search-index.ts): at start and then
 * every ROLLOVER_EVERY_MS, moves messages older than RECENT_INDEX_MS to the archive, one
 * bounded transaction per turn of the event loop (a profile migrated with a long history
 * moves it all once without freezing the app), then merges the recent partition (in steps:
 * db/cleanup.ts).
 */
export class SearchIndexRollover {
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor(private readonly ctx: CoreContext) {}

  start(): void {
    this.runOnce()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private runOnce(): void {
    const cutoff = this.ctx.serverNow() - RECENT_INDEX_MS
    let moved = 0
    const step = () => {
      this.timer = null
      if (this.stopped || !this.ctx.db.open) return
      try {
        const n = rolloverBatch(this.ctx.db, cutoff)
        moved += n
        if (n > 0) return this.later(step, 0)
        // In steps, like a withdraw's (it also finishes one a crash interrupted).
        requestCleanup(this.ctx.db, ['recent'], { coalesce: false })
        if (moved > 0) log.info({ moved }, 'search index rolled over')
      } catch (err) {
        log.error({ err }, 'search index rollover failed; retried at the next one')
      }
      this.later(() => this.runOnce(), ROLLOVER_EVERY_MS)
    }
    step()
  }

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(fn, ms)
    this.timer.unref()
  }
}
