import type { Database } from 'better-sqlite3'
import { bridgeEvent, type BridgeEvent, type BridgeEvents, type EmitEvent, type EventName } from '../../shared/bridge'
import { requestCleanup } from './db/cleanup'
import { withoutWaitingForDisk } from './db/open'
import type { WithdrawWindows } from './db/queries/meta'
import { mergesAfterWithdrawFrom, type SearchPartition } from './db/queries/search-index'

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
  withdrawWindows(): WithdrawWindows
  /** A withdrawn text was kept for Re-edit (after commit): plan the sweep that deletes it when it expires. */
  draftKept(): void
}

/**
 * What a unit of work wants done once its transaction committed: events for the
 * renderer, the Re-edit sweep planned for a text it kept, a merge of each search partition a withdrawn entry left (its orphaned
 * trigrams stay as index keys until then), and a WAL truncation when withdrawn text must
 * not linger in old frames. A truncation follows every merge.
 * Nothing is announced for a write that rolled back.
 *
 * Events go out before the cleanup: truncations cost a few fsyncs (milliseconds on an
 * ordinary disk) and merges grow with the index, and the renderer need not wait for them.
 * The cleanup runs in steps after the commit (db/cleanup.ts); for the server's
 * stream it is coalesced within bursts.
 */
export class Effects {
  private readonly events: BridgeEvent[] = []
  checkpoint = false
  readonly merges = new Set<SearchPartition>()
  /** A withdrawn text was kept for Re-edit (withdraw/remove.ts). */
  keptDraft = false

  /** A withdrawn entry left `partition`: merge it, then truncate the WAL. */
  unindexed(partition: SearchPartition | null): void {
    if (partition === null) return
    for (const p of mergesAfterWithdrawFrom(partition)) this.merges.add(p)
    this.checkpoint = true
  }

  emit<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    this.events.push(bridgeEvent(name, payload))
  }

  apply(ctx: CoreContext, opts: { coalesceCheckpoint?: boolean } = {}): void {
    for (const e of this.events) ctx.emit(e.name, e.payload)
    if (this.keptDraft) ctx.draftKept()
    if (this.checkpoint) requestCleanup(ctx.db, this.merges, { coalesce: opts.coalesceCheckpoint === true })
  }
}

export interface CommitOptions {
  /**
   * False: the commit reaches the OS but does not wait for the disk (safe if Parley
   * crashes, not if the machine loses power). Only where something later makes it durable
   * before it is relied on: the server's event stream before acknowledging
   * (services/inbound.ts), a withdraw before it is reported (withdraw/send.ts).
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
