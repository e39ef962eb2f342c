import type { Database } from 'better-sqlite3'
import type { BridgeEvents, EmitEvent, EventName } from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { truncateWal } from '../db/open'
import { mergesAfterWithdrawFrom, optimizeIndex, type SearchPartition } from '../db/queries/search-index'
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
 * renderer, a merge of each search partition a withdrawn entry left (its orphaned
 * trigrams stay as index keys until then), and a WAL truncation when withdrawn text must
 * not linger in old frames. Merges always run just before the truncation.
 * Nothing is announced for a write that rolled back.
 *
 * Events go out before the truncation: it costs a few fsyncs (milliseconds on an ordinary
 * disk) and the renderer need not wait for them; it still runs in the same synchronous
 * step, before anything else can happen.
 */
export class Effects {
  private readonly events: Array<{ name: EventName; payload: unknown }> = []
  checkpoint = false
  readonly merges = new Set<SearchPartition>()

  /** A withdrawn entry left `partition`: merge it, then truncate the WAL. */
  unindexed(partition: SearchPartition | null): void {
    if (partition === null) return
    for (const p of mergesAfterWithdrawFrom(partition)) this.merges.add(p)
    this.checkpoint = true
  }

  emit<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    this.events.push({ name, payload })
  }

  apply(ctx: CoreContext, opts: { coalesceCheckpoint?: boolean } = {}): void {
    for (const e of this.events) (ctx.emit as (n: EventName, p: unknown) => void)(e.name, e.payload)
    if (!this.checkpoint) return
    const pending = pendingFor(ctx.db).merges
    for (const p of this.merges) pending.add(p)
    if (opts.coalesceCheckpoint) requestCheckpoint(ctx.db)
    else mergeAndTruncate(ctx.db)
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
interface Pending {
  lastAt: number
  timer: NodeJS.Timeout | null
  /** Search partitions to merge before the next truncation. */
  readonly merges: Set<SearchPartition>
}
const coalescing = new WeakMap<Database, Pending>()

function pendingFor(db: Database): Pending {
  let state = coalescing.get(db)
  if (!state) coalescing.set(db, (state = { lastAt: Number.NEGATIVE_INFINITY, timer: null, merges: new Set() }))
  return state
}

/** Merge the partitions withdraws left, then truncate the WAL (which then holds the merge's old pages no more). */
function mergeAndTruncate(db: Database): void {
  if (!db.open) return
  const state = pendingFor(db)
  for (const p of state.merges) {
    try {
      optimizeIndex(db, p)
      state.merges.delete(p)
    } catch (err) {
      // Kept pending: the next withdraw's truncation, close or the rollover merges it again.
      log.error({ err, partition: p }, 'search index merge failed')
    }
  }
  checkpointUntilDone(db)
}

/**
 * Truncate the WAL soon (merging the search partitions first): right away when none ran
 * in the last CHECKPOINT_COALESCE_MS, otherwise once that window ends. A catch-up applying
 * a thousand withdraws then pays for a few merges and truncations instead of a thousand,
 * and withdrawn text (or its trigrams) stays at most that long.
 */
export function requestCheckpoint(db: Database): void {
  const s = pendingFor(db)
  if (s.timer) return
  const run = () => {
    s.timer = null
    s.lastAt = performance.now()
    mergeAndTruncate(db)
  }
  const wait = s.lastAt + CHECKPOINT_COALESCE_MS - performance.now()
  if (wait <= 0) run()
  else {
    s.timer = setTimeout(run, wait)
    s.timer.unref()
  }
}

/** Before closing: run a merge and truncation still waiting in a coalescing window now. */
export function settlePendingCheckpoint(db: Database): void {
  const s = coalescing.get(db)
  if (!s || (!s.timer && s.merges.size === 0)) return
  if (s.timer) clearTimeout(s.timer)
  s.timer = null
  mergeAndTruncate(db)
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
