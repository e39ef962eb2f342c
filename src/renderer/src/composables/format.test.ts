// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { formatDuration, localDayKey, relativeDay } from './format'

describe('formatDuration', () => {
  it('shows minutes and seconds, rounding up', () => {
    expect(formatDuration(105_000)).toBe('1:45')
    expect(formatDuration(104_001)).toBe('1:45')
    expect(formatDuration(999)).toBe('0:01')
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })
})

describe('days', () => {
  it('groups by local calendar day', () => {
    const morning = new Date(2025, 2, 3, 8, 0).getTime()
    const evening = new Date(2025, 2, 3, 22, 0).getTime()
    const nextDay = new Date(2025, 2, 4, 0, 5).getTime()
    expect(localDayKey(morning)).toBe(localDayKey(evening))
    expect(localDayKey(evening)).not.toBe(localDayKey(nextDay))
    expect(relativeDay(evening, nextDay)).toBe('yesterday')
    expect(relativeDay(nextDay, nextDay)).toBe('today')
    expect(relativeDay(morning, new Date(2025, 2, 10).getTime())).toBeNull()
  })
})
