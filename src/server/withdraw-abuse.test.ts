/**
 * Every way someone other than the author could try to delete a message through the
 * server: forged sender fields, ids from another conversation, replayed commands, and
 * commands for messages that are not delivered (or not even sent) yet. Each is refused
 * with a code, and nothing changes in anyone's log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { directConversationId, type EventFrame, REVOKE_FLAG, type ServerEvent } from '../shared/protocol'
import { type Account, sendText, signIn, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

let server: TestServer
const accounts: Record<'alice' | 'bob' | 'carol', Account> = {} as never
/** A device per user that never acknowledges anything: each connect replays the whole log. */
const auditors: Record<string, Account> = {}
const ab = directConversationId('alice', 'bob')
const bc = directConversationId('bob', 'carol')
const ac = directConversationId('alice', 'carol')

beforeAll(async () => {
  server = await startTestServer({ recallWindowSeconds: 0 })
  for (const name of ['alice', 'bob', 'carol'] as const) {
    accounts[name] = await signUp(server, name)
    auditors[name] = await signIn(server, name)
  }
})
afterAll(() => server.close())

function withdrawFrame(conversationId: string, msgId: string, extra: Record<string, unknown> = {}, id = newId()) {
  return { type: 'cmd', id, conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId }, ...extra }
}

async function request(client: TestClient, frame: { id: string } & Record<string, unknown>) {
  client.send(frame)
  return client.reply(frame.id)
}

/** The user's whole log as a fresh device would receive it. */
async function log(username: string): Promise<ServerEvent[]> {
  const device = await TestClient.connect(server, auditors[username]!)
  await device.sync()
  const events = device.pending.filter((f): f is EventFrame => f.type === 'event').map((f) => f.event)
  await device.close()
  return events
}

const messageIn = (events: ServerEvent[], id: string) => events.find((e) => e.kind === 'message' && e.id === id)
const cmdsFor = (events: ServerEvent[], msgId: string) => events.filter((e) => e.kind === 'cmd' && e.ext.msgId === msgId)

/** The message is still in both members' logs, and nobody got a withdraw for it. */
async function expectIntact(msgId: string, members: string[]): Promise<void> {
  for (const name of members) {
    const events = await log(name)
    expect(messageIn(events, msgId), `${msgId} in ${name}'s log`).toBeDefined()
    expect(cmdsFor(events, msgId), `withdraws of ${msgId} in ${name}'s log`).toEqual([])
  }
}

async function connect(name: 'alice' | 'bob' | 'carol'): Promise<TestClient> {
  return TestClient.connect(server, accounts[name])
}

describe('forged sender fields', () => {
  it('ignores from/sender/by/actor/author fields in a cmd: the actor is the authenticated user', async () => {
    const [a, b] = [await connect('alice'), await connect('bob')]
    const { id: msgId } = await sendText(a, ab, 'alice wrote this')
    const forged = withdrawFrame(ab, msgId, {
      from: 'alice',
      sender: 'alice',
      by: 'alice',
      actor: 'alice',
      author: 'bob',
      target: { from: 'bob', ts: 0 },
    })
    expect(await request(b, forged)).toMatchObject({ type: 'error', id: forged.id, code: 'NOT_ALLOWED' })
    const spoofedExt = { ...withdrawFrame(ab, msgId), ext: { msgId, from: 'alice', author: 'bob' } }
    expect(await request(b, spoofedExt)).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' })
    await expectIntact(msgId, ['alice', 'bob'])
    await Promise.all([a.close(), b.close()])
  })

  it('stamps the real sender on a message that claims another one, so it cannot be withdrawn as someone else’s', async () => {
    const b = await connect('bob')
    const id = newId()
    expect(await request(b, { type: 'send', id, conversationId: ab, text: 'who wrote me?', from: 'alice', sender: 'alice' })).toMatchObject({
      type: 'ack',
    })
    const events = await log('alice')
    expect(messageIn(events, id)).toMatchObject({ from: 'bob' })
    // and alice, believing the forged field, cannot withdraw it
    const a = await connect('alice')
    expect(await request(a, withdrawFrame(ab, id))).toMatchObject({ code: 'NOT_ALLOWED' })
    await expectIntact(id, ['alice', 'bob'])
    await Promise.all([a.close(), b.close()])
  })

  it('refuses a message posted into a conversation the sender is not in, whatever it claims', async () => {
    const c = await connect('carol')
    const frame = { type: 'send', id: newId(), conversationId: ab, text: 'let me in', from: 'alice' }
    expect(await request(c, frame)).toMatchObject({ code: 'NOT_MEMBER' })
    expect(messageIn(await log('alice'), frame.id)).toBeUndefined()
    await c.close()
  })
})

describe('ids from another conversation', () => {
  it('refuses a withdraw that names a message of another conversation, and an outsider naming the right one', async () => {
    const [a, b, c] = [await connect('alice'), await connect('bob'), await connect('carol')]
    const { id: msgId } = await sendText(a, ab, 'lives in alice:bob')
    // bob, in his own conversation with carol
    expect(await request(b, withdrawFrame(bc, msgId))).toMatchObject({ code: 'NOT_FOUND' })
    // carol, who is not in alice:bob
    expect(await request(c, withdrawFrame(ab, msgId))).toMatchObject({ code: 'NOT_MEMBER' })
    // carol, in her conversation with alice
    expect(await request(c, withdrawFrame(ac, msgId))).toMatchObject({ code: 'NOT_FOUND' })
    // even the author cannot reach it through another conversation
    expect(await request(a, withdrawFrame(ac, msgId))).toMatchObject({ code: 'NOT_FOUND' })
    // a conversation that does not exist, or a group id with a 1:1 chatType
    expect(await request(b, withdrawFrame(directConversationId('bob', 'nobody'), msgId))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await request(b, { ...withdrawFrame(ab, msgId), chatType: 'GroupChat' })).toMatchObject({ code: 'BAD_FRAME' })
    await expectIntact(msgId, ['alice', 'bob'])
    await Promise.all([a.close(), b.close(), c.close()])
  })

  it('does not let a withdrawn message’s tombstone be used from another conversation', async () => {
    const [a, c] = [await connect('alice'), await connect('carol')]
    const { id: msgId } = await sendText(a, ab, 'gone soon')
    expect(await request(a, withdrawFrame(ab, msgId))).toMatchObject({ type: 'ack' })
    expect(await request(c, withdrawFrame(ac, msgId))).toMatchObject({ code: 'NOT_FOUND' })
    expect(cmdsFor(await log('carol'), msgId)).toEqual([])
    await Promise.all([a.close(), c.close()])
  })
})

describe('replayed commands', () => {
  it('refuses another user replaying the author’s withdraw, verbatim or with a new id, and adds nothing to any log', async () => {
    const [a, b, c] = [await connect('alice'), await connect('bob'), await connect('carol')]
    const { id: msgId } = await sendText(a, ab, 'withdrawn once')
    const original = withdrawFrame(ab, msgId)
    expect(await request(a, original)).toMatchObject({ type: 'ack' })
    const before = { alice: await log('alice'), bob: await log('bob') }

    expect(await request(b, original)).toMatchObject({ code: 'ID_CONFLICT' })
    expect(await request(b, { ...original, id: newId() })).toMatchObject({ code: 'NOT_ALLOWED' })
    expect(await request(c, original)).toMatchObject({ code: 'NOT_MEMBER' })
    // the author's own replay is the same answer, and nothing new either
    expect(await request(a, original)).toMatchObject({ type: 'ack', duplicate: true })

    expect(await log('alice')).toEqual(before.alice)
    expect(await log('bob')).toEqual(before.bob)
    expect(cmdsFor(before.bob, msgId)).toHaveLength(1)
    await Promise.all([a.close(), b.close(), c.close()])
  })

  it('refuses a replayed cmd id aimed at another message, and a cmd whose id is a message id', async () => {
    const a = await connect('alice')
    const first = await sendText(a, ab, 'first')
    const second = await sendText(a, ab, 'second')
    const cmd = withdrawFrame(ab, first.id)
    expect(await request(a, cmd)).toMatchObject({ type: 'ack' })
    expect(await request(a, { ...cmd, ext: { msgId: second.id } })).toMatchObject({ code: 'ID_CONFLICT' })
    expect(await request(a, withdrawFrame(ab, second.id, {}, second.id))).toMatchObject({ code: 'ID_CONFLICT' })
    await expectIntact(second.id, ['alice', 'bob'])
    await a.close()
  })
})

describe('commands for messages not delivered yet', () => {
  it('refuses a non-author withdrawing a message its recipient has not received; it is still delivered', async () => {
    const a = await connect('alice')
    const { id: msgId } = await sendText(a, ab, 'bob is offline')
    // bob's other device has not received it; bob tries anyway
    const b = await TestClient.connect(server, await signIn(server, 'bob'), { hello: true })
    expect(await request(b, withdrawFrame(ab, msgId))).toMatchObject({ code: 'NOT_ALLOWED' })
    await expectIntact(msgId, ['alice', 'bob'])
    await Promise.all([a.close(), b.close()])
  })

  it('a withdraw for an id that was never sent leaves nothing behind: the message, once sent, arrives intact', async () => {
    const [a, b] = [await connect('alice'), await connect('bob')]
    const future = newId()
    expect(await request(b, withdrawFrame(ab, future))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await request(a, withdrawFrame(ab, future))).toMatchObject({ code: 'NOT_FOUND' })
    expect((await sendText(a, ab, 'sent after the withdraws', future)).reply).toMatchObject({ type: 'ack' })
    await expectIntact(future, ['alice', 'bob'])
    await Promise.all([a.close(), b.close()])
  })
})
