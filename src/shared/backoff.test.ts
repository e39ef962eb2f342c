import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF } from './backoff'

describe('backoff', () => {
  it('grows exponentially from 250 ms and caps at 15 s', () => {
    const ceilings = [0, 1, 2, 3, 6, 20].map((a) => backoffDelay(a, DEFAULT_BACKOFF, () => 0.999999))
    expect(ceilings).toEqual([249, 499, 999, 1999, 14999, 14999])
  })

  it('uses full jitter: anywhere from zero to the ceiling', () => {
    expect(backoffDelay(4, DEFAULT_BACKOFF, () => 0)).toBe(0)
    expect(backoffDelay(4, DEFAULT_BACKOFF, () => 0.5)).toBe(2000)
  })
})
