import { describe, expect, it, vi } from 'vitest'
import type { BusMessage } from './types'
import { MemoryBus } from './memory-bus'

const events = (seq: number): BusMessage => ({ kind: 'events', seq })

describe('MemoryBus', () => {
  it('delivers to the subscribers of that username only, after publish returns control', async () => {
    const bus = new MemoryBus()
    const alice = vi.fn()
    const bob = vi.fn()
    bus.subscribe('alice', alice)
    bus.subscribe('bob', bob)
    const published = bus.publish('alice', events(1))
    expect(alice).not.toHaveBeenCalled()
    await published
    expect(alice).toHaveBeenCalledWith(events(1))
    expect(bob).not.toHaveBeenCalled()
  })

  it('stops delivering after unsubscribe, and isolates a failing handler', async () => {
    const bus = new MemoryBus()
    const failing = vi.fn(() => {
      throw new Error('boom')
    })
    const healthy = vi.fn()
    bus.subscribe('alice', failing)
    const unsubscribe = bus.subscribe('alice', healthy)
    await bus.publish('alice', events(1))
    expect(healthy).toHaveBeenCalledTimes(1)
    unsubscribe()
    await bus.publish('alice', events(2))
    expect(healthy).toHaveBeenCalledTimes(1)
    expect(failing).toHaveBeenCalledTimes(2)
  })
})
