import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CoalescedRuns, type RunStart } from './coalesced'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function recorder() {
  const runs: RunStart[] = []
  let end: (() => void) | null = null
  const coalesced = new CoalescedRuns(50, (done, why) => {
    runs.push(why)
    end = done
  })
  return { coalesced, runs, end: () => end?.() }
}

describe('CoalescedRuns', () => {
  it('runs the first request at once and folds a burst into one run after the window', () => {
    const { coalesced, runs, end } = recorder()
    coalesced.request()
    expect(runs).toEqual(['asked'])
    end()
    coalesced.request()
    coalesced.request()
    expect(runs).toEqual(['asked'])
    vi.advanceTimersByTime(50)
    expect(runs).toEqual(['asked', 'window-ended'])
  })

  it('never overlaps runs: what is asked during one is served after it, a window later', () => {
    const { coalesced, runs, end } = recorder()
    coalesced.request()
    coalesced.runNow()
    expect(coalesced.busy).toBe(true)
    expect(runs).toHaveLength(1)
    end()
    vi.advanceTimersByTime(49)
    expect(runs).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(runs).toEqual(['asked', 'window-ended'])
  })

  it('runNow skips the window; close drops a planned run and says there was one', () => {
    const { coalesced, runs, end } = recorder()
    coalesced.request()
    end()
    coalesced.request()
    coalesced.runNow()
    expect(runs).toEqual(['asked', 'forced'])
    end()
    coalesced.request()
    expect(coalesced.close()).toBe(true)
    vi.advanceTimersByTime(100)
    coalesced.request()
    expect(runs).toEqual(['asked', 'forced'])
  })
})
