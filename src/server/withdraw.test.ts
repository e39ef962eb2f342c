import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { CmdEvent, directConversationId, type EventFrame, REVOKE_FLAG } from '../shared/protocol'
import {
  type Account,
  FakeClock,
  sendText,
  signIn,
  signUp,
  startTestServer,
  TestClient,
  type TestServer,
  waitFor,
} from './test-support/harness'

const clock = new FakeClock()
let server: TestServer
let alice: Account
let bob: Account
let carol: Account
const ab = directConversationId('alice', 'bob')
const ac = directConversationId('alice', 'carol')

beforeAll(async () => {
  server = await startTestServer({ now: clock.now, recallWindowSeconds: 120 })
  ;[alice, bob, carol] = await Promise.all([signUp(server, 'alice'), signUp(server, 'bob'), signUp(server, 'carol')])
})
afterAll(() => server.close())

function withdrawFrame(conversationId: string, msgId: string, id = newId()) {
  return { type: 'cmd', id, conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId } }
}

async function withdraw(client: TestClient, conversationId: string, msgId: string, id = newId()) {
  client.send(withdrawFrame(conversationId, msgId, id))
  return { id, reply: await client.reply(id) }
}

const isMessage = (id: string) => (f: { type: string; event?: { kind: string; id?: string } }) =>
  f.type === 'event' && f.event?.kind === 'message' && f.event.id === id
const isCmdFor = (msgId: string) => (f: { type: string; event?: unknown }) =>
  f.type === 'event' && (f.event as { kind: string }).kind === 'cmd' && (f.event as CmdEvent).ext.msgId === msgId

/** Every event of a fresh device's full sync of the account (a new device starts at seq 0). */
async function fullHistory(username: string): Promise<EventFrame[]> {
  const device = await TestClient.connect(server, await signIn(server, username))
  await device.sync()
  const events = device.pending.filter((f): f is EventFrame => f.type === 'event')
  await device.close()
  return events
}

describe('withdraw by the author', () => {
  it('acks, and relays the cmd to the online recipient and the author’s devices', async () => {
    const [a, b] = await Promise.all([TestClient.connect(server, alice), TestClient.connect(server, bob)])
    const sent = await sendText(a, ab, 'oops, wrong chat')
    const msgTs = (sent.reply as { ts: number }).ts
    await b.next(isMessage(sent.id))

    clock.advance(5_000)
    const { id, reply } = await withdraw(a, ab, sent.id)
    expect(reply).toEqual({ type: 'ack', id, ts: expect.any(Number) })
    const ts = (reply as { ts: number }).ts

    for (const client of [a, b]) {
      const frame = (await client.next(isCmdFor(sent.id))) as EventFrame
      expect(CmdEvent.parse(frame.event)).toEqual({
        kind: 'cmd',
        id,
        conversationId: ab,
        chatType: 'Chat',
        from: 'alice',
        ts,
        action: REVOKE_FLAG,
        ext: { msgId: sent.id },
        target: { from: 'alice', ts: msgTs },
      })
    }
    await Promise.all([a.close(), b.close()])
  })

  it('answers a repeat with the same ack (duplicate: true), even after the window, and refuses a resend', async () => {
    const a = await TestClient.connect(server, alice)
    const sent = await sendText(a, ab, 'say it twice')
    const first = await withdraw(a, ab, sent.id)
    const ts = (first.reply as { ts: number }).ts

    expect((await withdraw(a, ab, sent.id, first.id)).reply).toEqual({ type: 'ack', id: first.id, ts, duplicate: true })
    const other = await withdraw(a, ab, sent.id)
    expect(other.reply).toEqual({ type: 'ack', id: other.id, ts, duplicate: true })
    clock.advance(10 * 60_000)
    const late = await withdraw(a, ab, sent.id)
    expect(late.reply).toEqual({ type: 'ack', id: late.id, ts, duplicate: true })

    expect((await sendText(a, ab, 'say it twice', sent.id)).reply).toMatchObject({ type: 'error', code: 'WITHDRAWN', id: sent.id })
    await a.close()
  })

  it('never delivers the message to an offline recipient, only the cmd', async () => {
    const a = await TestClient.connect(server, alice)
    const before = await sendText(a, ac, 'stays')
    const gone = await sendText(a, ac, 'goes away')
    const after = await sendText(a, ac, 'stays too')
    const { id: cmdId } = await withdraw(a, ac, gone.id)
    await a.close()

    const c = await TestClient.connect(server, carol)
    const events = await c.events(3)
    expect(events.map((e) => [e.event.kind, 'id' in e.event ? e.event.id : null])).toEqual([
      ['message', before.id],
      ['message', after.id],
      ['cmd', cmdId],
    ])
    expect(events[2]!.event).toMatchObject({ ext: { msgId: gone.id }, target: { from: 'alice' } })
    await c.close()
  })

  it('removes the message from every log; a new device sees only the cmd (the delivery mark names no message)', async () => {
    const [a, b] = await Promise.all([TestClient.connect(server, alice), TestClient.connect(server, bob)])
    const sent = await sendText(a, ab, 'delivered, then withdrawn')
    const delivered = (await b.next(isMessage(sent.id))) as EventFrame
    b.send({ type: 'received', seq: delivered.seq })
    await a.next((f) => f.type === 'event' && f.event.kind === 'receipt' && f.event.conversationId === ab)
    await withdraw(a, ab, sent.id)
    await Promise.all([a.close(), b.close()])

    for (const username of ['alice', 'bob']) {
      const related = (await fullHistory(username)).filter(
        (e) => ('msgId' in e.event && e.event.msgId === sent.id) || ('id' in e.event && e.event.id === sent.id) || isCmdFor(sent.id)(e),
      )
      expect(related.map((e) => e.event.kind), username).toEqual(['cmd'])
    }
  })

  it('leaves no trace of the withdrawn text in the server’s files', async () => {
    const a = await TestClient.connect(server, alice)
    const short = `my bank pin is ${newId()}`
    // long enough to spill into overflow pages
    const long = `${newId()} ${'the whole story, '.repeat(500)}`
    const secrets = [short, long].map((text) => Buffer.from(text.slice(0, 200), 'utf8'))
    const sent = [await sendText(a, ab, short), await sendText(a, ab, long)]
    const secretsOnDisk = async () => {
      const names = await fs.readdir(server.dataDir)
      const files = await Promise.all(names.map((name) => fs.readFile(path.join(server.dataDir, name))))
      return secrets.map((secret) => files.some((bytes) => bytes.includes(secret)))
    }
    expect(await secretsOnDisk()).toEqual([true, true])

    for (const { id } of sent) expect((await withdraw(a, ab, id)).reply).toMatchObject({ type: 'ack' })
    await waitFor(
      async () => (await secretsOnDisk()).every((found) => !found),
      'the withdrawn text to leave the data directory',
    )
    await a.close()
  })
})

describe('withdraw refused', () => {
  it('refuses a non-author with NOT_ALLOWED and deletes nothing', async () => {
    const [a, b] = await Promise.all([TestClient.connect(server, alice), TestClient.connect(server, bob)])
    const sent = await sendText(a, ab, 'mine, not yours')
    expect((await withdraw(b, ab, sent.id)).reply).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' })

    const history = await fullHistory('bob')
    expect(history.some(isMessage(sent.id))).toBe(true)
    expect(history.some(isCmdFor(sent.id))).toBe(false)

    // the author still can, and then the stranger's repeat is still refused
    expect((await withdraw(a, ab, sent.id)).reply).toMatchObject({ type: 'ack' })
    expect((await withdraw(b, ab, sent.id)).reply).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' })
    await Promise.all([a.close(), b.close()])
  })

  it('refuses once the window has passed with RECALL_TIME_LIMIT', async () => {
    const a = await TestClient.connect(server, alice)
    const sent = await sendText(a, ab, 'too late to take back')
    clock.advance(119_000)
    const inTime = await sendText(a, ab, 'control')
    clock.advance(2_000)
    expect((await withdraw(a, ab, sent.id)).reply).toMatchObject({ type: 'error', code: 'RECALL_TIME_LIMIT' })
    expect((await withdraw(a, ab, inTime.id)).reply).toMatchObject({ type: 'ack' })
    expect((await fullHistory('bob')).some(isMessage(sent.id))).toBe(true)
    await a.close()
  })

  it('answers NOT_FOUND for an unknown message or the wrong conversation', async () => {
    const a = await TestClient.connect(server, alice)
    expect((await withdraw(a, ab, newId())).reply).toMatchObject({ code: 'NOT_FOUND' })
    const sent = await sendText(a, ab, 'lives in a:b')
    expect((await withdraw(a, ac, sent.id)).reply).toMatchObject({ code: 'NOT_FOUND' })
    expect((await withdraw(a, directConversationId('alice', 'nobody'), sent.id)).reply).toMatchObject({ code: 'NOT_FOUND' })
    await a.close()
  })

  it('answers NOT_MEMBER to an outsider, BAD_FRAME to a wrong chatType, ID_CONFLICT to a reused id', async () => {
    const [a, c] = await Promise.all([TestClient.connect(server, alice), TestClient.connect(server, carol)])
    const sent = await sendText(a, ab, 'between alice and bob')
    expect((await withdraw(c, ab, sent.id)).reply).toMatchObject({ code: 'NOT_MEMBER' })

    const groupTyped = { ...withdrawFrame(ab, sent.id), chatType: 'GroupChat' }
    a.send(groupTyped)
    expect(await a.reply(groupTyped.id)).toMatchObject({ code: 'BAD_FRAME' })

    expect((await withdraw(a, ab, sent.id, sent.id)).reply).toMatchObject({ code: 'ID_CONFLICT' })
    expect((await fullHistory('bob')).some(isMessage(sent.id))).toBe(true)
    await Promise.all([a.close(), c.close()])
  })
})
