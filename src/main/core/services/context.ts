import type { Database } from 'better-sqlite3'
import type { BridgeEvents, EmitEvent, EventName } from '../../../shared/bridge'
import { withoutWaitingForDisk } from '../db/open'
import type { RecallWindows } from '../db/queries/meta'
import { mergesAfterWithdrawFrom, type SearchPartition } from '../db/queries/search-index'
import { requestCleanup } from './cleanup'

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
 * not linger in old frames. A truncation follows every merge.
 * Nothing is announced for a write that rolled back.
 *
 * Events go out before the cleanup: truncations cost a few fsyncs (milliseconds on an
 * ordinary disk) and merges grow with the index, and the renderer need not wait for them.
 * The cleanup runs in steps after the commit (services/cleanup.ts); for the server's
 * stream it is coalesced within bursts.
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
    if (this.checkpoint) requestCleanup(ctx.db, this.merges, { coalesce: opts.coalesceCheckpoint === true })
  }
}

export interface CommitOptions {
  /**
   * False: the commit reaches the OS but does not wait for the disk (safe if Parley
   * crashes, not if the machine loses power). Only where something later makes it durable
   * before it is relied on: the server's event stream before acknowledging
   * (services/inbound.ts), a withdraw before it is reported (services/withdraw-sender.ts).
   * Default true.
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
