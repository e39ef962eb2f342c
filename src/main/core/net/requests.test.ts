import { describe, expect, it } from 'vitest'
import type { ClientFrame } from '../../../shared/protocol'
import type { Connection } from './connection'
import { PendingRequests, type Reply } from './requests'

function link(ready = true): Connection & { sent: ClientFrame[] } {
  const sent: ClientFrame[] = []
  return {
    sent,
    state: ready ? 'online' : 'offline',
    ready,
    start: () => {},
    stop: async () => {},
    send: (frame) => (ready ? (sent.push(frame), true) : false),
    restart: () => {},
    injectFrame: () => {},
  }
}

const lookup = (id: string) => ({ type: 'lookup' as const, id, username: 'bob' })
const ack = (id: string): Reply => ({ type: 'ack', id, ts: 1 })

describe('PendingRequests', () => {
  it('hands each answer to the handler of its frame, once', async () => {
    const requests = new PendingRequests()
    const seen: string[] = []
    requests.send(link(), lookup('a'), (r) => seen.push(`a:${r.type}`))
    const answer = requests.ask(link(), lookup('b'), (r) => `b:${r.type}`, 1_000)
    expect(requests.route(ack('b'))).toBe(true)
    expect(requests.route(ack('a'))).toBe(true)
    expect(requests.route(ack('a'))).toBe(false)
    expect(await answer).toBe('b:ack')
    expect(seen).toEqual(['a:ack'])
  })

  it('a caller that stopped waiting gets null; a late answer still reaches the handler', async () => {
    const requests = new PendingRequests()
    const handled: Reply[] = []
    const answer = requests.ask(link(), lookup('c'), (r) => handled.push(r), 5)
    expect(await answer).toBeNull()
    expect(requests.route(ack('c'))).toBe(true)
    expect(handled).toHaveLength(1)
  })

  it('expects nothing for a frame it could not write, and forgets everything when the socket goes', async () => {
    const requests = new PendingRequests()
    expect(requests.ask(link(false), lookup('d'), () => 1, 1_000)).toBeNull()
    expect(requests.route(ack('d'))).toBe(false)
    const waiting = requests.ask(link(), lookup('e'), () => 1, 1_000)
    expect(requests.isAwaited('e')).toBe(true)
    requests.forgetAll()
    expect(await waiting).toBeNull()
    expect(requests.route(ack('e'))).toBe(false)
  })
})
