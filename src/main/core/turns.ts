import { logger } from '../../shared/log'

const log = logger('core.turns')

/**
 * Background work of the main process per turn of the event loop, all kinds together.
 * Separate `setImmediate` callbacks (reading a replay, applying its events, merging the
 * search index, the `received` fsync) would all run in the same turn, and their sum is
 * what blocks the app; here they share one budget and take turns.
 */
export const TURN_BUDGET_MS = 10
/** One chore's share of a turn before the next one's step, so none waits a whole turn for another. */
export const CHORE_SLICE_MS = 4

/** Work done a step at a time. */
export interface Chore {
  /**
   * Do some work, stopping once `performance.now()` passes `deadline` (a step started
   * before it may finish after it). True when there is more to do.
   */
  step(deadline: number): boolean
}

const queue: Chore[] = []
const queued = new Set<Chore>()
let scheduled = false
/** The running turn's end; null between turns. */
let turnEnd: number | null = null

/** Run `chore` in the next turns until its step says it is done. */
export function wake(chore: Chore): void {
  if (queued.has(chore)) return
  queued.add(chore)
  queue.push(chore)
  if (!scheduled) {
    scheduled = true
    setImmediate(runTurn)
  }
}

/** When work started now must stop: `maxMs` from now, or earlier if the running turn ends earlier. */
export function sliceEnd(maxMs: number): number {
  const own = performance.now() + maxMs
  return turnEnd === null ? own : Math.min(own, turnEnd)
}

/** True inside a turn: whatever is started here should wake a chore rather than run to the end. */
export function inTurn(): boolean {
  return turnEnd !== null
}

function runTurn(): void {
  scheduled = false
  turnEnd = performance.now() + TURN_BUDGET_MS
  try {
    while (queue.length > 0 && performance.now() < turnEnd) {
      const chore = queue.shift()!
      queued.delete(chore)
      let more = false
      try {
        more = chore.step(Math.min(turnEnd, performance.now() + CHORE_SLICE_MS))
      } catch (err) {
        // a chore must not stop the others; it handles its own failures
        log.error({ err: (err as Error).message }, 'background step failed')
      }
      if (more) wake(chore)
    }
  } finally {
    turnEnd = null
  }
  if (queue.length > 0 && !scheduled) {
    scheduled = true
    setImmediate(runTurn)
  }
}
