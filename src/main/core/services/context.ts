import type { Database } from 'better-sqlite3'
import type { BridgeEvents, EmitEvent, EventName } from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { truncateWal } from '../db/open'
import { stmt } from '../db/statements'
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
 *
 * Events go out before the truncation: it costs a few fsyncs (milliseconds on an ordinary
 * disk) and the renderer need not wait for them; it still runs in the same synchronous
 * step, before anything else can happen.
 */
export class Effects {
  private readonly events: Array<{ name: EventName; payload: unknown }> = []
  checkpoint = false

  emit<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    this.events.push({ name, payload })
  }

  apply(ctx: CoreContext, opts: { coalesceCheckpoint?: boolean } = {}): void {
    for (const e of this.events) (ctx.emit as (n: EventName, p: unknown) => void)(e.name, e.payload)
    if (!this.checkpoint) return
    if (opts.coalesceCheckpoint) requestCheckpoint(ctx.db)
    else checkpointUntilDone(ctx.db)
  }
}

export interface CommitOptions {
  /**
   * False: the commit reaches the OS but does not wait for the disk (safe if Parley
   * crashes, not if the machine loses power). Only for the server's event stream, which
   * makes it durable before acknowledging (services/inbound.ts). Default true.
   */
  waitForDisk?: boolean
  /** A WAL truncation this work asks for may be merged with others of the same burst. */
  coalesceCheckpoint?: boolean
}

/** Run `work` in one transaction, then its effects. */
export function commit<T>(ctx: CoreContext, work: (fx: Effects) => T, opts: CommitOptions = {}): T {
  const fx = new Effects()
  const run = ctx.db.transaction(() => work(fx))
  const result = opts.waitForDisk === false ? withoutWaitingForDisk(ctx.db, run) : run()
  fx.apply(ctx, opts)
  return result
}

function withoutWaitingForDisk<T>(db: Database, run: () => T): T {
  const level = stmt<[], { synchronous: number }>(db, 'PRAGMA synchronous').get()!.synchronous
  stmt(db, 'PRAGMA synchronous = NORMAL').run()
  try {
    return run()
  } finally {
    stmt(db, `PRAGMA synchronous = ${Math.trunc(level)}`).run()
  }
}

const log = logger('core.checkpoint')
const CHECKPOINT_RETRY_MS = 200
const CHECKPOINT_ATTEMPTS = 50

/** A burst of withdraws shares truncations: at most one per this many ms, the first at once. */
export const CHECKPOINT_COALESCE_MS = 50
const coalescing = new WeakMap<Database, { lastAt: number; timer: NodeJS.Timeout | null }>()

/**
 * Truncate the WAL soon: right away when none ran in the last CHECKPOINT_COALESCE_MS,
 * otherwise once that window ends. A catch-up applying a thousand withdraws then pays for
 * a few truncations instead of a thousand, and withdrawn text stays in the WAL at most
 * that long.
 */
export function requestCheckpoint(db: Database): void {
  let state = coalescing.get(db)
  if (!state) coalescing.set(db, (state = { lastAt: Number.NEGATIVE_INFINITY, timer: null }))
  if (state.timer) return
  const s = state
  const run = () => {
    s.timer = null
    s.lastAt = performance.now()
    checkpointUntilDone(db)
  }
  const wait = s.lastAt + CHECKPOINT_COALESCE_MS - performance.now()
  if (wait <= 0) run()
  else {
    s.timer = setTimeout(run, wait)
    s.timer.unref()
  }
}

/** Truncate the WAL now, or keep trying a while if a reader is in the way. */
export function checkpointUntilDone(db: Database, attempt = 1): void {
  if (!db.open || truncateWal(db)) return
  if (attempt >= CHECKPOINT_ATTEMPTS) {
    log.warn({ attempts: attempt }, 'WAL still held by a reader; it is truncated at the next withdraw or on close')
    return
  }
  setTimeout(() => checkpointUntilDone(db, attempt + 1), CHECKPOINT_RETRY_MS).unref()
}
