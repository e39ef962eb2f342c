// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { textMessage, noticeFor } from '../testing/fake-bridge'
import { withdrawTimeLeft } from './withdraw-window'

const clock = { recallWindowSeconds: 120, serverClockOffsetMs: 0 }

describe('withdrawTimeLeft', () => {
  it('applies only to my own text messages', () => {
    const now = 1_000_000
    expect(withdrawTimeLeft(textMessage({ mine: false, ts: now }), now, clock)).toBeNull()
    expect(withdrawTimeLeft(noticeFor(textMessage({ mine: true, ts: now })), now, clock)).toBeNull()
    expect(withdrawTimeLeft(textMessage({ mine: true, ts: now - 15_000 }), now, clock)).toBe(105_000)
  })

  it('uses the server clock for acknowledged messages', () => {
    const now = 1_000_000
    // The server clock runs 10 s ahead of ours: a message stamped by the server at our
    // "now" is 10 s younger than it looks locally.
    const acked = textMessage({ mine: true, ts: now + 10_000, state: 'sent' })
    expect(withdrawTimeLeft(acked, now, { ...clock, serverClockOffsetMs: 10_000 })).toBe(120_000)
    // An unacknowledged message carries our own clock.
    const sending = textMessage({ mine: true, ts: now, state: 'sending' })
    expect(withdrawTimeLeft(sending, now, { ...clock, serverClockOffsetMs: 10_000 })).toBe(120_000)
  })

  it('is closed after the window and unlimited with a zero window', () => {
    const now = 1_000_000
    const old = textMessage({ mine: true, ts: now - 121_000 })
    expect(withdrawTimeLeft(old, now, clock)).toBe(0)
    expect(withdrawTimeLeft(old, now, { ...clock, recallWindowSeconds: 0 })).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('withdrawTimeLeft for group owners and admins', () => {
  const moderator = { ...clock, moderator: true, adminRecallWindowSeconds: 0 }

  it('offers others’ messages to moderators only, in the admins’ window', () => {
    const now = 1_000_000
    const theirs = textMessage({ mine: false, ts: now - 3_600_000 })
    expect(withdrawTimeLeft(theirs, now, clock)).toBeNull()
    expect(withdrawTimeLeft(theirs, now, moderator)).toBe(Number.POSITIVE_INFINITY)
    expect(withdrawTimeLeft(theirs, now, { ...moderator, adminRecallWindowSeconds: 600 })).toBe(0)
    expect(withdrawTimeLeft(noticeFor(theirs), now, moderator)).toBeNull()
  })

  it('gives a moderator’s own message the longer of the two windows', () => {
    const now = 1_000_000
    const mine = textMessage({ mine: true, ts: now - 300_000, state: 'sent' })
    expect(withdrawTimeLeft(mine, now, clock)).toBe(0)
    expect(withdrawTimeLeft(mine, now, { ...moderator, adminRecallWindowSeconds: 600 })).toBe(300_000)
  })
})
