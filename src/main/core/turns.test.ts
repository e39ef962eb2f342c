import { describe, expect, it } from 'vitest'
import { waitFor } from './testing/wait'
import { inTurn, sliceEnd, wake, type Chore } from './turns'

/** A chore of `steps` steps, each busy for `busyMs`, recording `name` per step. */
function chore(name: string, steps: number, log: string[], busyMs = 0): Chore & { left: number } {
  return {
    left: steps,
    step() {
      const until = performance.now() + busyMs
      while (performance.now() < until) {
        // work
      }
      log.push(name)
      return --this.left > 0
    },
  }
}

describe('turns', () => {
  it('runs woken chores in later turns, taking turns, until each is done', async () => {
    const log: string[] = []
    const a = chore('a', 3, log)
    const b = chore('b', 2, log)
    wake(a)
    wake(b)
    wake(a) // already waiting: not twice
    expect(log).toEqual([])
    await waitFor(() => a.left === 0 && b.left === 0)
    expect(log).toEqual(['a', 'b', 'a', 'b', 'a'])
  })

  it('gives the event loop back between turns while a long chore goes on', async () => {
    const log: string[] = []
    const long = chore('work', 100, log, 1)
    wake(long)
    let between = -1
    setImmediate(() => (between = log.length))
    await waitFor(() => long.left === 0)
    expect(between).toBeGreaterThan(0)
    expect(between).toBeLessThan(100)
  })

  it('keeps the other chores going when one throws', async () => {
    const log: string[] = []
    const bad: Chore = {
      step() {
        throw new Error('boom')
      },
    }
    const good = chore('good', 2, log)
    wake(bad)
    wake(good)
    await waitFor(() => good.left === 0)
    expect(log).toEqual(['good', 'good'])
  })

  it('tells work whether it runs inside a turn, and when its slice ends', async () => {
    expect(inTurn()).toBe(false)
    const now = performance.now()
    expect(sliceEnd(5)).toBeGreaterThanOrEqual(now + 5)
    let inside: { inTurn: boolean; capped: boolean } | null = null
    wake({
      step(deadline) {
        inside = { inTurn: inTurn(), capped: sliceEnd(60_000) <= performance.now() + 1_000 && deadline < Number.POSITIVE_INFINITY }
        return false
      },
    })
    await waitFor(() => inside)
    expect(inside).toEqual({ inTurn: true, capped: true })
  })
})
