import type { Database } from 'better-sqlite3'
import type { BridgeEvents, EmitEvent, EventName } from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { truncateWal } from '../db/open'
import type { RecallWindows } from '../db/queries/meta'

/** What every service shares: the profile's database, the event sink and the clocks. */
export interface CoreContext {
  db: Database
  emit: EmitEvent
  /** Local clock (ms). */
  now(): number
  /** Local clock corrected by the offset learned from the server's welcome. */
  serverNow(): number
  /** The signed-in user, or null. */
  me(): string | null
  recallWindows(): RecallWindows
}

/**
 * What a unit of work wants done once its transaction committed: events for the
 * renderer, and a WAL truncation when withdrawn text must not linger in old frames.
 * Nothing is announced for a write that rolled back.
 */
export class Effects {
  private readonly events: Array<{ name: EventName; payload: unknown }> = []
  checkpoint = false

  emit<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    this.events.push({ name, payload })
  }

  apply(ctx: CoreContext): void {
    if (this.checkpoint) checkpointUntilDone(ctx.db)
    for (const e of this.events) (ctx.emit as (n: EventName, p: unknown) => void)(e.name, e.payload)
  }
}

/** Run `work` in one transaction, then its effects. */
export function commit<T>(ctx: CoreContext, work: (fx: Effects) => T): T {
  const fx = new Effects()
  const result = ctx.db.transaction(() => work(fx))()
  fx.apply(ctx)
  return result
}

const log = logger('core.checkpoint')
const CHECKPOINT_RETRY_MS = 200
const CHECKPOINT_ATTEMPTS = 50

/** Truncate the WAL now, or keep trying a while if a reader is in the way. */
export function checkpointUntilDone(db: Database, attempt = 1): void {
  if (!db.open || truncateWal(db)) return
  if (attempt >= CHECKPOINT_ATTEMPTS) {
    log.warn({ attempts: attempt }, 'WAL still held by a reader; it is truncated at the next withdraw or on close')
    return
  }
  setTimeout(() => checkpointUntilDone(db, attempt + 1), CHECKPOINT_RETRY_MS).unref()
}
