import { describe, expect, it } from 'vitest'
import { KeyedRateLimiter, TokenBucket } from './rate-limit'

function manualClock(start = 0) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills continuously', () => {
    const clock = manualClock()
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, clock.now)
    expect([bucket.take(), bucket.take(), bucket.take()].every((t) => t.ok)).toBe(true)
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 500 })
    clock.advance(250)
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 250 })
    clock.advance(250)
    expect(bucket.take()).toEqual({ ok: true })
    clock.advance(60_000)
    expect(bucket.isFull()).toBe(true)
  })

  it('ignores a clock going backwards', () => {
    const clock = manualClock(1_000)
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 }, clock.now)
    bucket.take()
    clock.advance(-500)
    expect(bucket.take().ok).toBe(false)
  })
})

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key', () => {
    const clock = manualClock()
    const limiter = new KeyedRateLimiter({ capacity: 1, refillPerSecond: 1 }, clock.now)
    expect(limiter.take('alice').ok).toBe(true)
    expect(limiter.take('alice').ok).toBe(false)
    expect(limiter.take('bob').ok).toBe(true)
  })

  it('forgets full buckets so memory stays bounded', () => {
    const clock = manualClock()
    const limiter = new KeyedRateLimiter({ capacity: 1, refillPerSecond: 10 }, clock.now, 10)
    for (let i = 0; i < 10; i++) limiter.take(`k${i}`)
    expect(limiter.size).toBe(10)
    clock.advance(1_000)
    limiter.take('fresh')
    expect(limiter.size).toBe(1)
  })
})
