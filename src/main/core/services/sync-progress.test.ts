import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SyncProgress } from '../../../shared/bridge'
import { messageEvent, signedInCore, type TestCore } from '../testing/harness'
import { PROGRESS_INTERVAL_MS, QUIET_MS, SHOW_AFTER_EVENTS, SyncProgressReporter } from './sync-progress'

const event = (ts: number) => ({ ...messageEvent('bob', 'alice', 'x'), ts })

describe('SyncProgressReporter', () => {
  afterEach(() => vi.useRealTimers())

  it('says nothing for a short catch-up, and reports a long one as it goes, then done when the stream is live', () => {
    let clock = 0
    const seen: SyncProgress[] = []
    const reporter = new SyncProgressReporter((_name, payload) => seen.push(payload as SyncProgress), () => clock)
    reporter.onConnected(10_000)
    for (let i = 0; i < SHOW_AFTER_EVENTS - 1; i++) reporter.onApplied(event(1_000 + i))
    expect(seen).toEqual([])
    reporter.onApplied(event(5_000))
    expect(seen).toEqual([{ applied: SHOW_AFTER_EVENTS, from: 1_000, upTo: 5_000, until: 10_000, done: false }])
    reporter.onApplied(event(6_000))
    expect(seen).toHaveLength(1) // at most one every PROGRESS_INTERVAL_MS
    clock += PROGRESS_INTERVAL_MS
    reporter.onApplied(event(7_000))
    expect(seen.at(-1)).toMatchObject({ applied: SHOW_AFTER_EVENTS + 2, upTo: 7_000, done: false })
    reporter.onApplied(event(10_001))
    expect(seen.at(-1)).toMatchObject({ applied: SHOW_AFTER_EVENTS + 2, done: true })
    reporter.onApplied(event(10_002))
    expect(seen).toHaveLength(3)
  })

  it('ends a catch-up that goes quiet without live events', () => {
    vi.useFakeTimers()
    const seen: SyncProgress[] = []
    const reporter = new SyncProgressReporter((_name, payload) => seen.push(payload as SyncProgress))
    reporter.onConnected(Date.now() + 60_000)
    for (let i = 0; i < SHOW_AFTER_EVENTS; i++) reporter.onApplied(event(Date.now()))
    expect(seen.at(-1)?.done).toBe(false)
    vi.advanceTimersByTime(2 * QUIET_MS)
    expect(seen.at(-1)?.done).toBe(true)
  })
})

describe('catch-up progress from the core', () => {
  let t: TestCore | null = null
  afterEach(async () => {
    await t?.dispose()
    t = null
  })

  it('a replay of hundreds of events is announced with how far it got', async () => {
    t = await signedInCore('alice')
    const start = Date.now()
    t.link.drop()
    t.link.welcome('alice', { serverTime: start + 60_000 })
    for (let i = 0; i < SHOW_AFTER_EVENTS + 50; i++) t.link.event({ ...messageEvent('bob', 'alice', `missed ${i}`), ts: start + i })
    const during = t.events.of('sync:progress')
    expect(during[0]).toMatchObject({ applied: SHOW_AFTER_EVENTS, from: start, until: start + 60_000, done: false })
    t.link.event({ ...messageEvent('bob', 'alice', 'live'), ts: start + 61_000 })
    expect(t.events.of('sync:progress').at(-1)).toMatchObject({ done: true })
  })
})
