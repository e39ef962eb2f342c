import { describe, expect, it } from 'vitest'
import type { EventFrame } from '../../../shared/protocol'
import type { ServerReply } from '../net/connection'
import { messageEvent } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { Inbox, MAX_EVENTS_PER_COMMIT } from './inbox'

const event = (seq: number): EventFrame => ({ type: 'event', seq, event: messageEvent('alice', 'bob', `m${seq}`) })
const ack = (id: string): ServerReply => ({ type: 'ack', id, ts: 1 })

function recorder() {
  const calls: string[] = []
  const inbox = new Inbox(
    (frames) => calls.push(`events ${frames.map((f) => f.seq).join(',')}`),
    (frame) => calls.push(`${frame.type} ${'id' in frame ? frame.id : ''}`),
  )
  return { calls, inbox }
}

describe('Inbox', () => {
  it('hands consecutive events over together and keeps every frame in arrival order', () => {
    const { calls, inbox } = recorder()
    inbox.push([event(1), event(2), ack('a'), event(3), ack('b'), ack('c'), event(4), event(5)])
    expect(calls).toEqual(['events 1,2', 'ack a', 'events 3', 'ack b', 'ack c', 'events 4,5'])
  })

  it('commits a long run of events in bounded transactions', () => {
    const { calls, inbox } = recorder()
    inbox.push(Array.from({ length: MAX_EVENTS_PER_COMMIT + 3 }, (_, i) => event(i + 1)))
    expect(calls.map((c) => c.split(',').length)).toEqual([MAX_EVENTS_PER_COMMIT, 3])
  })

  it('yields to the event loop when a slice takes long, then carries on in order', async () => {
    const seen: number[] = []
    const inbox = new Inbox(
      (frames) => {
        const until = performance.now() + 4
        while (performance.now() < until) {
          // a slow commit
        }
        seen.push(...frames.map((f) => f.seq))
      },
      () => {},
    )
    const frames: ServerReply[] = []
    for (let i = 1; i <= 10; i++) frames.push(event(i), ack(String(i)))
    inbox.push(frames)
    const afterFirstSlice = seen.length
    expect(afterFirstSlice).toBeLessThan(10)
    await waitFor(() => seen.length === 10)
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('drops what it still holds when cleared (the socket went away)', async () => {
    const seen: number[] = []
    const inbox = new Inbox(
      (frames) => {
        const until = performance.now() + 15
        while (performance.now() < until) {
          // a slow commit
        }
        seen.push(...frames.map((f) => f.seq))
      },
      () => {},
    )
    inbox.push([event(1), ack('x'), event(2), ack('y'), event(3)])
    inbox.clear()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(seen).toEqual([1])
  })

  it('offers events it was told to hold back again later, with everything behind them waiting', async () => {
    const calls: string[] = []
    let refusals = 2
    const inbox = new Inbox(
      (frames) => {
        if (refusals > 0) {
          refusals--
          calls.push('not now')
          return false
        }
        calls.push(`events ${frames.map((f) => f.seq).join(',')}`)
        return true
      },
      (frame) => calls.push(`${frame.type} ${'id' in frame ? frame.id : ''}`),
    )
    inbox.push([event(1), event(2), ack('a'), event(3)])
    expect(calls).toEqual(['not now'])
    await waitFor(() => calls.length === 5)
    expect(calls).toEqual(['not now', 'not now', 'events 1,2', 'ack a', 'events 3'])
  })

  it('keeps going after a frame whose handling throws', () => {
    const seen: string[] = []
    const inbox = new Inbox(
      (frames) => seen.push(...frames.map((f) => `e${f.seq}`)),
      (frame) => {
        if ('id' in frame && frame.id === 'bad') throw new Error('boom')
        seen.push('other')
      },
    )
    inbox.push([event(1), ack('bad'), ack('good'), event(2)])
    expect(seen).toEqual(['e1', 'other', 'e2'])
  })
})
