/**
 * The cleanup after withdraws: each search partition a withdrawn entry left is merged (its
 * orphaned trigrams gone) and the WAL truncated (the withdrawn rows' text, and the merge's
 * old pages, out of old frames): merge in steps, then truncate, a step at a time in turns
 * of the event loop (turns.ts). For the user's own work it starts at once; for the
 * server's stream it is coalesced within bursts.
 */
import type { Database } from 'better-sqlite3'
import { CoalescedRuns, type RunStart } from '../../../node/coalesced'
import { truncateWalUntilDone } from '../../../node/sqlite/wal'
import { logger } from '../../../shared/log'
import { inTurn, wake, type Chore } from '../turns'
import { withoutWaitingForDisk } from './open'
import { mergeIndexStep, type SearchPartition } from './queries/search-index'

const log = logger('core.checkpoint')

/** A burst of withdraws shares cleanups (merges and truncations): the first at once, each next one this many ms after the last ended. */
export const CHECKPOINT_COALESCE_MS = 50
interface Pending {
  /** When cleanups run: at once, or coalesced within a burst (the window counts from the last one's end). */
  readonly runs: CoalescedRuns
  /** Search partitions to merge at the next cleanup. */
  readonly merges: Set<SearchPartition>
  /** The cleanup running a step at a time, if any. */
  running: Cleanup | null
}
const coalescing = new WeakMap<Database, Pending>()

function pendingFor(db: Database): Pending {
  let state = coalescing.get(db)
  if (!state) {
    const created: Pending = {
      runs: new CoalescedRuns(CHECKPOINT_COALESCE_MS, (end, why) => startCleanup(db, created, end, why)),
      merges: new Set(),
      running: null,
    }
    coalescing.set(db, created)
    state = created
  }
  return state
}

/**
 * Leaf pages one merge step writes. A full `optimize` is one statement whose cost grows with
 * the partition (~100 ms at 10,000 recent messages on this machine under load); in steps of
 * this many pages (~0.2-0.5 ms a page of a trigram index) it never holds the event loop for long.
 */
export const MERGE_STEP_PAGES = 8

/** One step of merging a partition; true when there is more of it to do. */
function mergeStep(db: Database, p: SearchPartition): boolean {
  // the truncation after the merge makes it durable; a merge lost in a crash is redone at the next start
  return withoutWaitingForDisk(db, () => mergeIndexStep(db, p, MERGE_STEP_PAGES))
}

/**
 * A merge still running this long after its cleanup started truncates the WAL first, so
 * the withdrawn rows' text does not wait in old frames for a long merge (an archive's).
 * Shorter ones, nearly all, end with one truncation instead of two: each is several fsyncs
 * that hold the event loop (milliseconds on a disk).
 */
const TRUNCATE_DURING_MERGE_AFTER_MS = 50

/**
 * What withdraws asked for, done a step at a time (turns.ts): each partition merged
 * (the orphaned trigrams gone), then the WAL truncated (the withdrawn rows' text and the
 * merge's old pages out of old frames); once more before the merge is done if it runs past
 * TRUNCATE_DURING_MERGE_AFTER_MS. Each of these is a step of its own, so none is added to
 * another or to a slice of events.
 */
class Cleanup implements Chore {
  private readonly startedAt = performance.now()
  /** The WAL was truncated before the merges were done (they ran long). */
  private truncatedEarly = false

  constructor(
    private readonly db: Database,
    private readonly state: Pending,
    /** Taken from the pending set when this cleanup started; later withdraws wait for the next one. */
    private readonly merges: SearchPartition[],
    /** Tells the coalescing this cleanup is over. */
    private readonly ended: () => void,
  ) {}

  step(deadline: number): boolean {
    if (this.state.running !== this) return false
    let more = false
    try {
      more = this.db.open && this.next(deadline)
    } catch (err) {
      log.error({ err }, 'WAL truncation failed; retried at the next withdraw or on close')
    }
    if (!more) this.finish()
    return more
  }

  private next(deadline: number): boolean {
    const p = this.merges[0]
    if (p !== undefined) {
      if (!this.truncatedEarly && performance.now() - this.startedAt >= TRUNCATE_DURING_MERGE_AFTER_MS) {
        this.truncatedEarly = true
        truncateWalUntilDone(this.db)
        return true
      }
      try {
        while (mergeStep(this.db, p)) if (performance.now() >= deadline) return true
        this.merges.shift()
        return true
      } catch (err) {
        log.error({ err, partition: p }, 'search index merge failed')
        // Kept pending: the next cleanup (asked for here), close or the rollover merges them.
        for (const q of this.merges) this.state.merges.add(q)
        this.merges.length = 0
        this.state.runs.request()
      }
    }
    truncateWalUntilDone(this.db)
    return false
  }

  /** Run what is left now, before this returns. */
  runToEnd(): void {
    while (this.step(Number.POSITIVE_INFINITY));
  }

  private finish(): void {
    this.state.running = null
    // what withdraws asked for while this ran gets its own cleanup, after the window
    this.ended()
  }
}

/**
 * A cleanup of what is pending, in steps in turns of the event loop; one asked for outside
 * the turns (an event handled on its own) and allowed at once runs to its end before this returns.
 */
function startCleanup(db: Database, state: Pending, ended: () => void, why: RunStart): void {
  const cleanup = new Cleanup(db, state, [...state.merges], ended)
  state.merges.clear()
  state.running = cleanup
  if (why === 'asked' && !inTurn()) cleanup.runToEnd()
  else wake(cleanup)
}

/**
 * A cleanup is under way (it merges the search index a step at a time). The server's
 * stream waits for it: FTS5 carries on an unfinished merge inside the next commit that
 * writes to the index, which would put a large part of it back into one step.
 */
export function cleanupRunning(db: Database): boolean {
  return coalescing.get(db)?.running != null
}

/** Finish a running cleanup now: work that cannot wait is about to write to the index. */
export function finishCleanup(db: Database): void {
  coalescing.get(db)?.running?.runToEnd()
}

/** Before closing: finish a cleanup still running, and run one still waiting to coalesce, now; nothing is scheduled after. */
export function settlePendingCheckpoint(db: Database): void {
  const s = coalescing.get(db)
  if (!s) return
  const asked = s.runs.close()
  s.running?.runToEnd()
  if (!db.open || (!asked && s.merges.size === 0)) return
  const last = new Cleanup(db, s, [...s.merges], () => {})
  s.merges.clear()
  s.running = last
  last.runToEnd()
}

/**
 * Merge these search partitions (the terms of entries deleted from them go), then truncate
 * the WAL (deleted text out of old frames): what a committed withdraw asks for, and the
 * rollover after moving entries.
 *
 * `coalesce` (the server's stream): right away when no cleanup ended in the last
 * CHECKPOINT_COALESCE_MS, otherwise once that window ends (if one is running, the window
 * starts when it is done). A catch-up applying a thousand withdraws then pays for a few
 * merges and truncations instead of a thousand; withdrawn text (or its trigrams) stays at
 * most until the cleanup running when it was withdrawn, the window and its own cleanup are
 * done. During a replay (inside turns.ts) it runs a step at a time; started outside the
 * turns (an event handled on its own), it runs to its end before this returns.
 *
 * Otherwise (the user's own withdraw, the rollover) it starts now, in steps: a merge in one
 * statement grows with the partition (~65 ms at 20,000 recent messages) and would hold the
 * main process, and every bridge call with it, for that long; if a cleanup is running
 * already, this one follows it after the window.
 */
export function requestCleanup(db: Database, merges: Iterable<SearchPartition>, opts: { coalesce: boolean }): void {
  const s = pendingFor(db)
  for (const p of merges) s.merges.add(p)
  if (opts.coalesce) s.runs.request()
  else s.runs.runNow()
}
