import { describe, expect, it } from 'vitest'
import { decideWithdraw, RECEIVER_GRACE_MS, withdrawTimeLeftMs, type WithdrawRequest } from './withdraw-rules'

const base: WithdrawRequest = {
  actor: 'alice',
  author: 'alice',
  actorRole: 'member',
  messageTs: 1_000_000,
  now: 1_000_000 + 60_000,
  windowSeconds: 120,
  adminWindowSeconds: 0,
}

describe('decideWithdraw', () => {
  it('lets the author withdraw within the window, and not after it', () => {
    expect(decideWithdraw(base)).toEqual({ allowed: true, as: 'author' })
    expect(decideWithdraw({ ...base, now: base.messageTs + 120_001 })).toEqual({ allowed: false, code: 'RECALL_TIME_LIMIT' })
  })

  it('gives receivers a grace period on the window, and unlimited means unlimited', () => {
    const late = { ...base, now: base.messageTs + 120_000 + RECEIVER_GRACE_MS }
    expect(decideWithdraw({ ...late, graceMs: RECEIVER_GRACE_MS }).allowed).toBe(true)
    expect(decideWithdraw({ ...base, windowSeconds: 0, now: base.messageTs + 10 * 86_400_000 }).allowed).toBe(true)
  })

  it('lets owners and admins withdraw anyone’s message within their own window; plain members only their own', () => {
    const other = { ...base, actor: 'bob' }
    expect(decideWithdraw({ ...other, actorRole: 'admin' })).toEqual({ allowed: true, as: 'admin' })
    expect(decideWithdraw({ ...other, actorRole: 'owner', now: base.messageTs + 86_400_000 })).toEqual({ allowed: true, as: 'admin' })
    expect(decideWithdraw({ ...other, actorRole: 'admin', adminWindowSeconds: 60, now: base.messageTs + 61_000 })).toEqual({
      allowed: false,
      code: 'RECALL_TIME_LIMIT',
    })
    expect(decideWithdraw({ ...other, actorRole: 'member' })).toEqual({ allowed: false, code: 'NOT_ALLOWED' })
    expect(decideWithdraw({ ...other, actorRole: null })).toEqual({ allowed: false, code: 'NOT_MEMBER' })
  })
})

describe('withdrawTimeLeftMs', () => {
  it('counts down to zero, and is infinite without a window', () => {
    expect(withdrawTimeLeftMs(0, 30_000, 120)).toBe(90_000)
    expect(withdrawTimeLeftMs(0, 200_000, 120)).toBe(0)
    expect(withdrawTimeLeftMs(0, 200_000, 0)).toBe(Number.POSITIVE_INFINITY)
  })
})
