/**
 * The bus contract, checked against every implementation: MemoryBus, and NatsBus on a
 * real nats-server (two connections to it play two nodes). Then what only a networked
 * bus has: bytes on the wire, reconnects, the periodic check, connect errors.
 */
import net from 'node:net'
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startNats, type NatsServer } from '../../../test/helpers/engines/nats'
import { waitFor } from '../../../test/helpers/wait'
import { newId } from '../../shared/ids'
import type { StoredEvent } from '../store/types'
import { MemoryBus } from './memory-bus'
import { NatsBus, type NatsBusOptions, userSubject } from './nats-bus'
import type { Bus, BusMessage } from './types'

let nats: NatsServer
beforeAll(async () => {
  nats = await startNats()
})
afterAll(() => nats?.stop())

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** Every test gets its own subjects, so nothing of an earlier test reaches it. */
function natsOptions(extra: NatsBusOptions = {}): NatsBusOptions & { subjectPrefix: string } {
  return { subjectPrefix: `t${newId().replaceAll('-', '')}`, checkIntervalMs: 0, reconnectWaitMs: 50, ...extra }
}

async function natsBus(options: NatsBusOptions): Promise<NatsBus> {
  const bus = await NatsBus.connect(nats.url, options)
  closers.push(() => bus.close())
  return bus
}

/** Two nodes on one bus: the same object in process, two connections over NATS. */
interface Nodes {
  one: Bus
  two: Bus
  /** Resolves once everything published so far reached every node. */
  settle(): Promise<void>
}

const implementations: [string, () => Promise<Nodes>][] = [
  [
    'MemoryBus',
    async () => {
      const bus = new MemoryBus()
      closers.push(() => bus.close())
      return { one: bus, two: bus, settle: () => new Promise((resolve) => setImmediate(resolve)) }
    },
  ],
  [
    'NatsBus',
    async () => {
      const options = natsOptions()
      const [one, two] = await Promise.all([natsBus(options), natsBus(options)])
      return { one, two, settle: () => Promise.all([one.flush(), two.flush()]).then(() => undefined) }
    },
  ],
]

const notice = (seq: number): BusMessage => ({ kind: 'events', seq })

/** Records what a handler got. */
function recorder(): { got: BusMessage[]; handler: (m: BusMessage) => void } {
  const got: BusMessage[] = []
  return { got, handler: (m) => got.push(m) }
}

describe.each(implementations)('%s conformance', (_name, makeNodes) => {
  it("delivers to that user's subscribers on every node, and to nobody else", async () => {
    const { one, two, settle } = await makeNodes()
    const [aliceOne, aliceTwo, bob] = [recorder(), recorder(), recorder()]
    one.subscribe('alice', aliceOne.handler)
    two.subscribe('alice', aliceTwo.handler)
    two.subscribe('bob', bob.handler)
    await settle()
    await one.publish('alice', notice(1))
    await waitFor(() => aliceOne.got.length === 1 && aliceTwo.got.length === 1, { what: 'alice on both nodes' })
    await settle()
    expect(aliceOne.got).toEqual([notice(1)])
    expect(aliceTwo.got).toEqual([notice(1)])
    expect(bob.got).toEqual([])
  })

  it('carries every kind of message intact', async () => {
    const { one, two, settle } = await makeNodes()
    const alice = recorder()
    two.subscribe('alice', alice.handler)
    await settle()
    const event: StoredEvent = {
      seq: 7,
      event: { kind: 'message', id: newId(), conversationId: 'dm:alice:bob', from: 'bob', text: 'hi ✓', ts: 1 },
    }
    const messages: BusMessage[] = [
      { kind: 'events', seq: 7, events: [event] },
      { kind: 'sessions-revoked', sessionIds: [newId(), newId()] },
      { kind: 'device-connected', deviceId: newId(), helloId: newId() },
    ]
    for (const m of messages) await one.publish('alice', m)
    await waitFor(() => alice.got.length === messages.length, { what: 'all messages' })
    expect(alice.got).toEqual(messages)
  })

  it('stops delivering after unsubscribe; a second unsubscribe is harmless', async () => {
    const { one, two, settle } = await makeNodes()
    const [kept, dropped] = [recorder(), recorder()]
    two.subscribe('alice', kept.handler)
    const unsubscribe = two.subscribe('alice', dropped.handler)
    await settle()
    await one.publish('alice', notice(1))
    await waitFor(() => dropped.got.length === 1 && kept.got.length === 1)
    unsubscribe()
    unsubscribe()
    await one.publish('alice', notice(2))
    await waitFor(() => kept.got.length === 2)
    await settle()
    expect(dropped.got).toEqual([notice(1)])
  })

  it("keeps one publisher's order", async () => {
    const { one, two, settle } = await makeNodes()
    const [local, remote] = [recorder(), recorder()]
    one.subscribe('alice', local.handler)
    two.subscribe('alice', remote.handler)
    await settle()
    const sent = Array.from({ length: 200 }, (_, i) => notice(i + 1))
    await Promise.all(sent.map((m) => one.publish('alice', m)))
    await waitFor(() => local.got.length === 200 && remote.got.length === 200, { what: '200 notices on both nodes' })
    expect(local.got).toEqual(sent)
    expect(remote.got).toEqual(sent)
  })

  it('keeps delivering to the other handlers when one throws', async () => {
    const { one, two, settle } = await makeNodes()
    const healthy = recorder()
    two.subscribe('alice', () => {
      throw new Error('boom')
    })
    two.subscribe('alice', healthy.handler)
    await settle()
    await one.publish('alice', notice(1))
    await waitFor(() => healthy.got.length === 1)
  })
})

describe('NatsBus on the wire', () => {
  let raw: NatsConnection
  beforeAll(async () => {
    raw = await natsConnect({ servers: nats.url })
  })
  afterAll(() => raw?.close())

  it('hands a node its own messages once, not again through NATS', async () => {
    const bus = await natsBus(natsOptions())
    const alice = recorder()
    bus.subscribe('alice', alice.handler)
    await bus.publish('alice', notice(1))
    // after a round trip to the server, an echo would have come back
    await bus.flush()
    await raw.flush()
    expect(alice.got).toEqual([notice(1)])
  })

  it('drops malformed messages, logs them, and keeps going', async () => {
    const options = natsOptions()
    const bus = await natsBus(options)
    const alice = recorder()
    bus.subscribe('alice', alice.handler)
    await bus.flush()
    const subject = userSubject(options.subjectPrefix, 'alice')
    for (const junk of ['not json', '{"kind":"nope"}', '{"kind":"events","seq":"1"}', '[]', 'null', '\u0000\u00ff']) {
      raw.publish(subject, junk)
    }
    raw.publish(subject, JSON.stringify(notice(5)))
    await waitFor(() => alice.got.length === 1, { what: 'the good message' })
    await raw.flush()
    await bus.flush()
    expect(alice.got).toEqual([notice(5)])
  })

  it('keeps a notice whose events do not check out, without the events (the log has them)', async () => {
    const options = natsOptions()
    const bus = await natsBus(options)
    const alice = recorder()
    bus.subscribe('alice', alice.handler)
    await bus.flush()
    const subject = userSubject(options.subjectPrefix, 'alice')
    raw.publish(subject, JSON.stringify({ kind: 'events', seq: 3, events: [{ seq: 3, event: { kind: 'forged' } }] }))
    raw.publish(subject, JSON.stringify({ kind: 'events', seq: 9, events: [{ seq: 3, event: {} }] }))
    await waitFor(() => alice.got.length === 2)
    expect(alice.got).toEqual([notice(3), notice(9)])
  })

  it('sends a notice too large for NATS without its events; local handlers still get them', async () => {
    const options = natsOptions()
    const [one, two] = await Promise.all([natsBus(options), natsBus(options)])
    const [local, remote] = [recorder(), recorder()]
    one.subscribe('alice', local.handler)
    two.subscribe('alice', remote.handler)
    await two.flush()
    const big = 'x'.repeat(9_000)
    const events = Array.from({ length: 150 }, (_, i) => ({ seq: i + 1, event: { kind: 'message', text: big } }))
    const message = { kind: 'events', seq: 150, events } as unknown as BusMessage
    await one.publish('alice', message)
    await waitFor(() => remote.got.length === 1)
    expect(remote.got).toEqual([notice(150)])
    expect(local.got).toEqual([message])
  })

  it('gives usernames safe subjects', () => {
    expect(userSubject('p', 'alice_01')).toBe('p.alice_01')
    expect(userSubject('p', 'a.b')).toBe('p.~612e62')
    expect(userSubject('p', '>')).toBe('p.~3e')
  })
})

describe('NatsBus resync', () => {
  it('after a restart of nats-server: every local handler gets resync, and publishing works again', async () => {
    const options = natsOptions()
    const [one, two] = await Promise.all([natsBus(options), natsBus(options)])
    const [a, b] = [recorder(), recorder()]
    one.subscribe('alice', a.handler)
    two.subscribe('bob', b.handler)
    await Promise.all([one.flush(), two.flush()])

    await nats.restart()
    await waitFor(() => a.got.some((m) => m.kind === 'resync') && b.got.some((m) => m.kind === 'resync'), {
      what: 'resync on both nodes',
    })
    await two.publish('alice', notice(1))
    await waitFor(() => a.got.some((m) => m.kind === 'events'), { what: 'a notice across nodes after the restart' })
    expect(a.got.filter((m) => m.kind === 'events')).toEqual([notice(1)])
  })

  it('sends resync to every user once per periodic check, a slice at a time', async () => {
    const bus = await natsBus(natsOptions({ checkIntervalMs: 50 }))
    const users = Array.from({ length: 25 }, (_, i) => `user_${i}`)
    const visits: string[] = []
    const kinds = new Set<string>()
    for (const username of users) {
      bus.subscribe(username, (m) => {
        kinds.add(m.kind)
        visits.push(username)
      })
    }
    await waitFor(() => visits.length >= 2 * users.length, { what: 'two rounds of checks' })
    expect([...kinds]).toEqual(['resync'])
    // each round visits every user exactly once
    expect(new Set(visits.slice(0, users.length)).size).toBe(users.length)
    expect(new Set(visits.slice(users.length, 2 * users.length)).size).toBe(users.length)
  })
})

describe('NatsBus.connect', () => {
  it.each([
    ['http://127.0.0.1:4222', /^the NATS URL must be a nats:\/\/ or tls:\/\/ URL, got "http:\/\/127\.0\.0\.1:4222\/?"$/],
    ['127.0.0.1:4222', /^the NATS URL must be a nats:\/\/ or tls:\/\/ URL/],
    ['nats://', /^the NATS URL must name a host/],
    ['nats://127.0.0.1:4222,http://other:4222', /^the NATS URL must be a nats:\/\/ or tls:\/\/ URL, got "http:\/\/other:4222\/?"$/],
  ])('refuses %s', async (url, message) => {
    await expect(NatsBus.connect(url)).rejects.toThrow(message)
  })

  it('takes a comma-separated list of servers, connecting to one that is up', async () => {
    const bus = await NatsBus.connect(`nats://127.0.0.1:${await closedPort()}, ${nats.url}`, natsOptions())
    closers.push(() => bus.close())
    await bus.flush()
  })

  it('says which server could not be reached and why, without the password', async () => {
    const port = await closedPort()
    const err = await NatsBus.connect(`nats://user:secret@127.0.0.1:${port}`).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(new RegExp(`^cannot connect to NATS at nats://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}/?: connection refused`))
    expect((err as Error).message).not.toContain('secret')
    expect((err as Error).message).not.toContain('\n')
  })
})

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
