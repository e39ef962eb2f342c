import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { directConversationId, type EventFrame, type ServerFrame } from '../shared/protocol'
import { type Account, sendText, signIn, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

let server: TestServer
let alice: Account
let bob: Account
let carol: Account
const ab = directConversationId('alice', 'bob')

beforeAll(async () => {
  // raised frame rate: one test sends a backlog longer than a replay page
  server = await startTestServer({ limits: { frames: { capacity: 1_000, refillPerSecond: 1_000 } } })
  ;[alice, bob, carol] = await Promise.all([signUp(server, 'alice'), signUp(server, 'bob'), signUp(server, 'carol')])
})
afterAll(() => server.close())

/** Connects, reads the whole backlog (`count` events) and acknowledges it. */
async function drain(account: Account, count: number): Promise<{ client: TestClient; events: EventFrame[] }> {
  const client = await TestClient.connect(server, account)
  const events = await client.events(count)
  if (events.length) client.send({ type: 'received', seq: events.at(-1)!.seq })
  return { client, events }
}

describe('send', () => {
  it('acks with a server timestamp; a retry gets the same ts and duplicate: true', async () => {
    const client = await TestClient.connect(server, alice)
    const { id, reply } = await sendText(client, ab, 'hello bob')
    expect(reply).toMatchObject({ type: 'ack', id, ts: expect.any(Number) })
    expect(reply).not.toHaveProperty('duplicate')
    const { reply: retry } = await sendText(client, ab, 'hello bob', id)
    expect(retry).toEqual({ type: 'ack', id, ts: (reply as { ts: number }).ts, duplicate: true })
    await client.close()
  })

  it('gives strictly increasing timestamps', async () => {
    const client = await TestClient.connect(server, alice)
    const ids = Array.from({ length: 5 }, () => newId())
    for (const id of ids) client.send({ type: 'send', id, conversationId: ab, text: 'burst' })
    const ts: number[] = []
    for (const id of ids) ts.push(((await client.reply(id)) as { ts: number }).ts)
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]!)
    await client.close()
  })

  it('refuses an id already used elsewhere with ID_CONFLICT', async () => {
    const client = await TestClient.connect(server, alice)
    const { id } = await sendText(client, ab, 'first use')
    const { reply } = await sendText(client, directConversationId('alice', 'carol'), 'second use', id)
    expect(reply).toMatchObject({ type: 'error', id, code: 'ID_CONFLICT' })
    await client.close()
  })

  it('checks membership: unknown peer, someone else’s chat, unsorted id', async () => {
    const client = await TestClient.connect(server, alice)
    expect((await sendText(client, directConversationId('alice', 'zed'), 'anyone?')).reply).toMatchObject({ code: 'USER_NOT_FOUND' })
    expect((await sendText(client, directConversationId('bob', 'carol'), 'hi')).reply).toMatchObject({ code: 'NOT_MEMBER' })
    expect((await sendText(client, 'dm:bob:alice', 'hi')).reply).toMatchObject({ code: 'BAD_FRAME' })
    expect((await sendText(client, `g:${newId()}`, 'hi')).reply).toMatchObject({ code: 'NOT_MEMBER' })
    await client.close()
  })
})

describe('delivery', () => {
  it('streams to an online recipient and to the sender’s own log', async () => {
    const ac = directConversationId('alice', 'carol')
    const { client: carolClient, events: backlog } = await drain(carol, 0)
    expect(backlog).toEqual([])
    const aliceClient = await TestClient.connect(server, alice)
    const { id, reply } = await sendText(aliceClient, ac, 'live one')
    const [event] = await carolClient.events(1)
    expect(event!.event).toEqual({ kind: 'message', id, conversationId: ac, from: 'alice', ts: (reply as { ts: number }).ts, text: 'live one' })
    // the sender's devices get it from alice's log too
    expect(await aliceClient.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id)).toBeTruthy()
    await Promise.all([carolClient.close(), aliceClient.close()])
  })

  it('gives an offline recipient everything in order on connect, and nothing twice after an ack', async () => {
    const dana = await signUp(server, 'dana')
    const ad = directConversationId('alice', 'dana')
    const aliceClient = await TestClient.connect(server, alice)
    const sent: string[] = []
    for (const text of ['one', 'two', 'three']) sent.push((await sendText(aliceClient, ad, text)).id)

    const { client, events } = await drain(dana, 3)
    expect(events.map((e) => e.event.kind === 'message' && e.event.id)).toEqual(sent)
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b))
    await client.close()

    // reconnecting after the ack replays nothing old; a new message arrives alone
    const { id } = await sendText(aliceClient, ad, 'four')
    const again = await TestClient.connect(server, dana)
    const [next] = await again.events(1)
    expect(next!.event).toMatchObject({ kind: 'message', id })
    await Promise.all([again.close(), aliceClient.close()])
  })

  it('replays a backlog longer than one page, complete and in order', async () => {
    const hank = await signUp(server, 'hank')
    const ah = directConversationId('alice', 'hank')
    const aliceClient = await TestClient.connect(server, alice)
    const ids = Array.from({ length: 210 }, () => newId())
    for (const id of ids) aliceClient.send({ type: 'send', id, conversationId: ah, text: `backlog ${id}` })
    await aliceClient.reply(ids.at(-1)!, 20_000)
    const { client, events } = await drain(hank, ids.length)
    expect(events.map((e) => e.event.kind === 'message' && e.event.id)).toEqual(ids)
    await Promise.all([client.close(), aliceClient.close()])
  }, 30_000)

  it('gives a device that connects while messages keep coming each event once, in seq order (replay and live together)', async () => {
    // a sender of its own: the account's frame budget is not shared with the other tests
    const [judy, ivan] = await Promise.all([signUp(server, 'judy'), signUp(server, 'ivan')])
    const ai = directConversationId('ivan', 'judy')
    const judyClient = await TestClient.connect(server, judy)
    const ids = Array.from({ length: 200 }, () => newId())
    const send = (from: number, to: number) => {
      for (const id of ids.slice(from, to)) judyClient.send({ type: 'send', id, conversationId: ai, text: `stream ${id}` })
    }
    send(0, 100)
    await judyClient.reply(ids[99]!, 20_000)
    // the rest goes out while ivan's device reads its backlog: some events reach it live, some by replay
    send(100, 200)
    const { client, events } = await drain(ivan, ids.length)
    expect(events.map((e) => e.seq)).toEqual(ids.map((_, i) => i + 1))
    expect(events.map((e) => e.event.kind === 'message' && e.event.id)).toEqual(ids)
    await judyClient.reply(ids.at(-1)!, 20_000)
    await client.sync()
    expect(client.pending.filter((f) => f.type === 'event')).toEqual([])
    await Promise.all([client.close(), judyClient.close()])
  }, 30_000)

  it('gives a new device of a user the full history', async () => {
    const erin = await signUp(server, 'erin')
    const ae = directConversationId('alice', 'erin')
    const aliceClient = await TestClient.connect(server, alice)
    const first = await sendText(aliceClient, ae, 'before')
    const erinClient = await TestClient.connect(server, erin)
    await erinClient.events(1)
    const reply = await sendText(erinClient, ae, 'reply')
    await erinClient.close()

    const laptop = await signIn(server, 'erin')
    const { client, events } = await drain(laptop, 2)
    expect(events.map((e) => e.event.kind === 'message' && e.event.id)).toEqual([first.id, reply.id])
    await Promise.all([client.close(), aliceClient.close()])
  })

  it('sends the sender one delivery mark when the recipient first acknowledges, covering all it acknowledged', async () => {
    const frank = await signUp(server, 'frank')
    const af = directConversationId('alice', 'frank')
    const aliceClient = await TestClient.connect(server, alice)
    const { reply: first } = await sendText(aliceClient, af, 'did you get this?')
    const { reply: last } = await sendText(aliceClient, af, 'and this?')
    const { client } = await drain(frank, 2)
    const isReceipt = (f: ServerFrame) => f.type === 'event' && f.event.kind === 'receipt' && f.event.conversationId === af
    const receipt = await aliceClient.next(isReceipt)
    // one mark for both messages: up to the later one's server time
    expect(first).toMatchObject({ type: 'ack' })
    expect(receipt).toMatchObject({ type: 'event', event: { kind: 'receipt', conversationId: af, state: 'delivered', upTo: (last as { ts: number }).ts } })

    // a second device of frank acknowledging the same messages produces no second receipt
    const { client: second } = await drain(await signIn(server, 'frank'), 2)
    await second.sync()
    const marker = await sendText(aliceClient, af, 'marker')
    await aliceClient.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === marker.id)
    expect(aliceClient.pending.filter(isReceipt)).toEqual([])
    await Promise.all([client.close(), second.close(), aliceClient.close()])
  })

  it('never moves a cursor backwards or past the end of the log', async () => {
    const gina = await signUp(server, 'gina')
    const ag = directConversationId('alice', 'gina')
    const aliceClient = await TestClient.connect(server, alice)
    await sendText(aliceClient, ag, 'm1')
    const { client, events } = await drain(gina, 1)
    client.send({ type: 'received', seq: 0 })
    client.send({ type: 'received', seq: 1_000_000 })
    await client.sync()
    await client.close()
    const { id } = await sendText(aliceClient, ag, 'm2')
    const again = await TestClient.connect(server, gina)
    const [next] = await again.events(1)
    expect(next!.event).toMatchObject({ id })
    expect(next!.seq).toBeGreaterThan(events[0]!.seq)
    await Promise.all([again.close(), aliceClient.close()])
  })
})

describe('lookup', () => {
  it('tells whether a username exists', async () => {
    const client = await TestClient.connect(server, alice)
    for (const [username, found] of [['bob', true], ['nobody_here', false], ['Not Valid!', false]] as const) {
      const id = newId()
      client.send({ type: 'lookup', id, username })
      expect(await client.reply(id)).toEqual({ type: 'lookup-result', id, username, found })
    }
    await client.close()
  })
})

it('keeps bob able to read what alice sent earlier (sanity of shared fixtures)', async () => {
  const { client, events } = await drain(bob, 1)
  expect(events[0]!.event).toMatchObject({ kind: 'message', from: 'alice', conversationId: ab })
  await client.close()
})
