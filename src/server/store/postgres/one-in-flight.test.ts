import { describe, expect, it } from 'vitest'
import { oneInFlight } from './one-in-flight'

/** A write that is held until the test lets it finish, recording what it was given. */
function heldWrites() {
  const writes: Array<{ items: readonly number[]; finish: (fail?: Error) => void }> = []
  const write = (items: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      writes.push({ items, finish: (fail) => (fail ? reject(fail) : resolve(items.map((n) => `r${n}`))) })
    })
  return { writes, write }
}

describe('oneInFlight', () => {
  it('sends what arrives during a write as one next write, and gives each caller its own results in order', async () => {
    const { writes, write } = heldWrites()
    const queued = oneInFlight(write)
    const first = queued([1])
    const second = queued([2, 3])
    const third = queued([4])
    expect(writes.map((w) => w.items)).toEqual([[1]])
    writes[0]!.finish()
    expect(await first).toEqual(['r1'])
    await expect.poll(() => writes.length).toBe(2)
    expect(writes.map((w) => w.items)).toEqual([[1], [2, 3, 4]])
    writes[1]!.finish()
    expect(await second).toEqual(['r2', 'r3'])
    expect(await third).toEqual(['r4'])
  })

  it('rejects only the callers of a failed write, and goes on with the next', async () => {
    const { writes, write } = heldWrites()
    const queued = oneInFlight(write)
    const failed = queued([1])
    const later = queued([2])
    writes[0]!.finish(new Error('connection lost'))
    await expect(failed).rejects.toThrow('connection lost')
    await expect.poll(() => writes.length).toBe(2)
    writes[1]!.finish()
    expect(await later).toEqual(['r2'])
  })
})
