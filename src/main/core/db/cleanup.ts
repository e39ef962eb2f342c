/**
 * The cleanup after withdraws: each search partition a withdrawn entry left is merged (its
 * orphaned trigrams gone) and the WAL truncated (the withdrawn rows' text, and the merge's
 * old pages, out of old frames): merge in steps, then truncate, a step at a time in turns
 * of the event loop (turns.ts). For the user's own work it starts at once; for the
 * server's stream it is coalesced within bursts.
 */
import type { Database } from 'better-sqlite3'
import { logger } from '../../../shared/log'
import { truncateWal, withoutWaitingForDisk } from './open'
import { mergeIndexStep, type SearchPartition } from './queries/search-index'
import { inTurn, wake, type Chore } from '../turns'

const log = logger('core.checkpoint')
const CHECKPOINT_RETRY_MS = 200
const CHECKPOINT_ATTEMPTS = 50

/** A burst of withdraws shares cleanups (merges and truncations): the first at once, each next one this many ms after the last ended. */
export const CHECKPOINT_COALESCE_MS = 50
interface Pending {
  /** When the last cleanup ended (the window counts from there: a cleanup can take longer than it). */
  lastAt: number
  /** A cleanup waiting for the coalescing window to pass. */
  timer: NodeJS.Timeout | null
  /** Search partitions to merge at the next cleanup. */
  readonly merges: Set<SearchPartition>
  /** Withdrawn text may be in old WAL frames: the next cleanup truncates it. */
  wal: boolean
  /** The cleanup running a step at a time, if any. */
  running: Cleanup | null
}
const coalescing = new WeakMap<Database, Pending>()

function pendingFor(db: Database): Pending {
  let state = coalescing.get(db)
  if (!state) {
    state = { lastAt: Number.NEGATIVE_INFINITY, timer: null, merges: new Set(), wal: false, running: null }
    coalescing.set(db, state)
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
  /** Closing: what is still pending after it is the caller's, not scheduled from here. */
  private last = false

  constructor(
    private readonly db: Database,
    private readonly state: Pending,
    /** Taken from the pending set when this cleanup started; later withdraws wait for the next one. */
    private readonly merges: SearchPartition[],
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
        checkpointUntilDone(this.db)
        return true
      }
      try {
        while (mergeStep(this.db, p)) if (performance.now() >= deadline) return true
        this.merges.shift()
        return true
      } catch (err) {
        log.error({ err, partition: p }, 'search index merge failed')
        // Kept pending: the next cleanup, close or the rollover merges them.
        for (const q of this.merges) this.state.merges.add(q)
        this.merges.length = 0
      }
    }
    checkpointUntilDone(this.db)
    return false
  }

  /** Run what is left now; `closing`: what is pending after it is left to the caller. */
  runToEnd(closing = false): void {
    this.last = closing
    while (this.step(Number.POSITIVE_INFINITY));
  }

  private finish(): void {
    this.state.running = null
    this.state.lastAt = performance.now()
    // what withdraws asked for while this ran gets its own cleanup, after the window
    if (!this.last && this.db.open && (this.state.wal || this.state.merges.size > 0)) scheduleCleanup(this.db, this.state)
  }
}

/** `steps`: in turns of the event loop; `now`: to its end before this returns; `closing`: the same, and nothing scheduled after it. */
function startCleanup(db: Database, state: Pending, run: 'steps' | 'now' | 'closing'): void {
  state.wal = false
  const cleanup = new Cleanup(db, state, [...state.merges])
  state.merges.clear()
  state.running = cleanup
  if (run === 'steps') wake(cleanup)
  else cleanup.runToEnd(run === 'closing')
}

function scheduleCleanup(db: Database, state: Pending): void {
  if (state.running || state.timer) return
  const wait = state.lastAt + CHECKPOINT_COALESCE_MS - performance.now()
  if (wait <= 0) {
    startCleanup(db, state, inTurn() ? 'steps' : 'now')
    return
  }
  state.timer = setTimeout(() => {
    state.timer = null
    startCleanup(db, state, 'steps')
  }, wait)
  state.timer.unref()
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

/** Before closing: finish a cleanup still running, and run one still waiting to coalesce, now. */
export function settlePendingCheckpoint(db: Database): void {
  const s = coalescing.get(db)
  if (!s) return
  s.running?.runToEnd(true)
  if (s.timer) clearTimeout(s.timer)
  s.timer = null
  if (db.open && (s.wal || s.merges.size > 0)) startCleanup(db, s, 'closing')
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
  s.wal = true
  if (opts.coalesce || s.running) {
    scheduleCleanup(db, s)
    return
  }
  if (s.timer) clearTimeout(s.timer)
  s.timer = null
  startCleanup(db, s, 'steps')
}
