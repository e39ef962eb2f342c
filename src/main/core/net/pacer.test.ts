import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../testing/wait'
import { SendPacer } from './pacer'

const pacers: SendPacer[] = []
afterEach(() => {
  for (const p of pacers.splice(0)) p.clear()
})

describe('send pacer', () => {
  it('writes a burst up to capacity at once, then the rest in order at the steady rate', async () => {
    const clock = { now: 0 }
    const written: string[] = []
    const pacer = new SendPacer({ capacity: 3, perSecond: 1000 }, (d) => written.push(d), () => clock.now)
    pacers.push(pacer)
    for (const f of ['a', 'b', 'c', 'd', 'e']) pacer.push(f)
    expect(written).toEqual(['a', 'b', 'c'])
    expect(pacer.backlog).toBe(2)
    clock.now = 1
    await waitFor(() => written.length === 4)
    clock.now = 2
    await waitFor(() => written.length === 5)
    expect(written).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('drops what is waiting when cleared', () => {
    const written: string[] = []
    const pacer = new SendPacer({ capacity: 1, perSecond: 1 }, (d) => written.push(d))
    pacers.push(pacer)
    pacer.push('a')
    pacer.push('b')
    pacer.clear()
    expect(pacer.backlog).toBe(0)
    expect(written).toEqual(['a'])
  })
})
