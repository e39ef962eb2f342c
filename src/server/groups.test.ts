import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { type EventFrame, GroupEvent, type GroupOp, REVOKE_FLAG, type ServerFrame } from '../shared/protocol'
import {
  type Account,
  FakeClock,
  sendText,
  signIn,
  signUp,
  startTestServer,
  TestClient,
  type TestServer,
} from './test-support/harness'

const clock = new FakeClock()
let server: TestServer
const accounts: Record<string, Account> = {}
const names = ['alice', 'bob', 'carol', 'dave', 'erin'] as const

beforeAll(async () => {
  server = await startTestServer({ now: clock.now, recallWindowSeconds: 120, adminRecallWindowSeconds: 0 })
  for (const name of names) accounts[name] = await signUp(server, name)
})
afterAll(() => server.close())

const newGroupId = () => `g:${newId()}`

async function groupOp(client: TestClient, op: GroupOp, id = newId()): Promise<{ id: string; reply: ServerFrame }> {
  client.send({ type: 'group', id, op })
  return { id, reply: await client.reply(id) }
}

async function createGroup(client: TestClient, members: string[], name = 'Team'): Promise<string> {
  const conversationId = newGroupId()
  const { reply } = await groupOp(client, { kind: 'create', conversationId, name, members })
  expect(reply).toMatchObject({ type: 'ack' })
  return conversationId
}

async function withdraw(client: TestClient, conversationId: string, msgId: string, reason?: string) {
  const id = newId()
  const ext = reason === undefined ? { msgId } : { msgId, reason }
  client.send({ type: 'cmd', id, conversationId, chatType: 'GroupChat', action: REVOKE_FLAG, ext })
  return { id, reply: await client.reply(id) }
}

const isGroupEvent = (conversationId: string, type?: string) => (f: ServerFrame) =>
  f.type === 'event' && f.event.kind === 'group' && f.event.conversationId === conversationId &&
  (type === undefined || f.event.change.type === type)
const isMessage = (id: string) => (f: ServerFrame) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id
const isCmdFor = (msgId: string) => (f: ServerFrame) =>
  f.type === 'event' && f.event.kind === 'cmd' && f.event.ext.msgId === msgId

/** Every event a brand-new device of this user receives (its whole log). */
async function fullLog(username: string): Promise<EventFrame['event'][]> {
  const device = await TestClient.connect(server, await signIn(server, username))
  await device.sync()
  const events = device.pending.filter((f): f is EventFrame => f.type === 'event').map((f) => f.event)
  await device.close()
  return events
}

async function connectAll<const N extends readonly (typeof names)[number][]>(...who: N): Promise<{ [K in keyof N]: TestClient }> {
  return Promise.all(who.map((name) => TestClient.connect(server, accounts[name]!))) as Promise<{ [K in keyof N]: TestClient }>
}

describe('creating a group', () => {
  it('makes the creator owner and tells every member with the whole roster', async () => {
    const [a, b, c] = await connectAll('alice', 'bob', 'carol')
    const conversationId = newGroupId()
    const { id, reply } = await groupOp(a, { kind: 'create', conversationId, name: '  Trip  ', members: ['bob', 'carol', 'alice', 'bob'] })
    expect(reply).toEqual({ type: 'ack', id, ts: expect.any(Number) })
    for (const client of [a, b, c]) {
      const frame = (await client.next(isGroupEvent(conversationId))) as EventFrame
      expect(GroupEvent.parse(frame.event)).toEqual({
        kind: 'group',
        id,
        conversationId,
        from: 'alice',
        ts: (reply as { ts: number }).ts,
        change: { type: 'created' },
        group: {
          name: 'Trip',
          members: [
            { username: 'alice', role: 'owner' },
            { username: 'bob', role: 'member' },
            { username: 'carol', role: 'member' },
          ],
        },
      })
    }
    await Promise.all([a, b, c].map((x) => x.close()))
  })

  it('answers a retry with the first ack and refuses unknown users and taken ids', async () => {
    const [a] = await connectAll('alice')
    const conversationId = newGroupId()
    const op: GroupOp = { kind: 'create', conversationId, name: 'G', members: ['bob'] }
    const first = await groupOp(a, op)
    expect((await groupOp(a, op, first.id)).reply).toEqual({ ...first.reply, duplicate: true })
    expect((await groupOp(a, op)).reply).toMatchObject({ type: 'error', code: 'ID_CONFLICT' })
    expect((await groupOp(a, { ...op, conversationId: newGroupId(), members: ['zed'] })).reply).toMatchObject({
      code: 'USER_NOT_FOUND',
      message: 'there is no user zed',
    })
    expect((await groupOp(a, { ...op, conversationId: newGroupId(), name: '   ' })).reply).toMatchObject({ code: 'BAD_FRAME' })
    expect((await groupOp(a, { ...op, conversationId: 'dm:alice:bob' })).reply).toMatchObject({ code: 'BAD_FRAME' })
    // a message id cannot be reused as an op id
    const sent = await sendText(a, conversationId, 'hi')
    expect((await groupOp(a, { ...op, conversationId: newGroupId() }, sent.id)).reply).toMatchObject({ code: 'ID_CONFLICT' })
    await a.close()
  })
})

describe('group messages', () => {
  it('fan out to every member; an offline member gets them on connect, in order', async () => {
    const [a, b] = await connectAll('alice', 'bob')
    const conversationId = await createGroup(a, ['bob', 'carol'])
    const first = await sendText(a, conversationId, 'one')
    const second = await sendText(b, conversationId, 'two')
    await b.next(isMessage(first.id))
    await a.next(isMessage(second.id))

    const carolLog = (await fullLog('carol')).filter((e) => e.conversationId === conversationId)
    expect(carolLog.map((e) => [e.kind, 'from' in e ? e.from : null])).toEqual([
      ['group', 'alice'],
      ['message', 'alice'],
      ['message', 'bob'],
    ])
    const [outsider] = await connectAll('dave')
    expect((await sendText(outsider, conversationId, 'let me in')).reply).toMatchObject({ code: 'NOT_MEMBER' })
    await Promise.all([a.close(), b.close(), outsider.close()])
  })
})

describe('membership changes', () => {
  it('a newcomer gets the roster, no earlier history, and later messages', async () => {
    const [a, d] = await connectAll('alice', 'dave')
    const conversationId = await createGroup(a, ['bob'])
    const before = await sendText(a, conversationId, 'before dave')
    const { id, reply } = await groupOp(a, { kind: 'add', conversationId, usernames: ['dave', 'bob'] })
    expect(reply).toMatchObject({ type: 'ack', id })
    const added = (await d.next(isGroupEvent(conversationId))) as EventFrame
    expect(added.event).toMatchObject({
      from: 'alice',
      change: { type: 'added', usernames: ['dave'] },
      group: { members: [{ username: 'alice' }, { username: 'bob' }, { username: 'dave', role: 'member' }] },
    })
    const after = await sendText(a, conversationId, 'welcome dave')
    await d.next(isMessage(after.id))
    expect(d.pending.some(isMessage(before.id))).toBe(false)
    // adding someone who is already in is a no-op
    expect((await groupOp(a, { kind: 'add', conversationId, usernames: ['dave'] })).reply).toMatchObject({ type: 'ack' })
    await Promise.all([a.close(), d.close()])
  })

  it('a removed member hears of the removal last, gets nothing further and cannot send or withdraw', async () => {
    const [a, b, c] = await connectAll('alice', 'bob', 'carol')
    const conversationId = await createGroup(a, ['bob', 'carol'])
    const carols = await sendText(c, conversationId, 'carol was here')
    await b.next(isMessage(carols.id))
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'admin' })

    const { reply } = await groupOp(b, { kind: 'remove', conversationId, username: 'carol' })
    expect(reply).toMatchObject({ type: 'ack' })
    const removal = (await c.next(isGroupEvent(conversationId, 'removed'))) as EventFrame
    expect(removal.event).toMatchObject({ from: 'bob', change: { type: 'removed', username: 'carol' } })
    expect((removal.event as GroupEvent).group.members.map((m) => m.username)).toEqual(['alice', 'bob'])

    const later = await sendText(a, conversationId, 'after carol')
    await b.next(isMessage(later.id))
    const w = await withdraw(a, conversationId, later.id)
    expect(w.reply).toMatchObject({ type: 'ack' })
    await b.next(isCmdFor(later.id))
    expect((await sendText(c, conversationId, 'still here?')).reply).toMatchObject({ code: 'NOT_MEMBER' })
    expect((await withdraw(c, conversationId, carols.id)).reply).toMatchObject({ code: 'NOT_MEMBER' })
    expect((await groupOp(c, { kind: 'leave', conversationId })).reply).toMatchObject({ code: 'NOT_MEMBER' })

    const carolLog = (await fullLog('carol')).filter((e) => e.conversationId === conversationId)
    expect(carolLog.at(-1)).toMatchObject({ kind: 'group', change: { type: 'removed' } })
    expect(carolLog.some((e) => e.kind === 'message' && e.id === later.id)).toBe(false)
    expect(c.pending.some(isMessage(later.id)) || c.pending.some(isCmdFor(later.id))).toBe(false)
    await Promise.all([a, b, c].map((x) => x.close()))
  })

  it('enforces ranks: admins cannot remove admins or change roles; members cannot add', async () => {
    const [a, b, c] = await connectAll('alice', 'bob', 'carol')
    const conversationId = await createGroup(a, ['bob', 'carol', 'dave'])
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'admin' })
    await groupOp(a, { kind: 'set-role', conversationId, username: 'dave', role: 'admin' })
    expect((await groupOp(b, { kind: 'remove', conversationId, username: 'dave' })).reply).toMatchObject({ code: 'NOT_ALLOWED' })
    expect((await groupOp(b, { kind: 'remove', conversationId, username: 'alice' })).reply).toMatchObject({ code: 'NOT_ALLOWED' })
    expect((await groupOp(b, { kind: 'set-role', conversationId, username: 'carol', role: 'admin' })).reply).toMatchObject({
      code: 'NOT_ALLOWED',
    })
    expect((await groupOp(c, { kind: 'add', conversationId, usernames: ['erin'] })).reply).toMatchObject({ code: 'NOT_ALLOWED' })
    expect((await groupOp(a, { kind: 'remove', conversationId, username: 'erin' })).reply).toMatchObject({ code: 'NOT_FOUND' })
    expect((await groupOp(a, { kind: 'add', conversationId, usernames: ['nobody_here'] })).reply).toMatchObject({
      code: 'USER_NOT_FOUND',
    })
    await Promise.all([a, b, c].map((x) => x.close()))
  })

  it('the owner hands ownership over before leaving; a retried leave gets its first answer', async () => {
    const [a, b] = await connectAll('alice', 'bob')
    const conversationId = await createGroup(a, ['bob'])
    expect((await groupOp(a, { kind: 'leave', conversationId })).reply).toMatchObject({ code: 'NOT_ALLOWED' })
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'owner' })
    const handover = (await b.next(isGroupEvent(conversationId, 'role-changed'))) as EventFrame
    expect((handover.event as GroupEvent).group.members).toEqual([
      { username: 'alice', role: 'admin' },
      { username: 'bob', role: 'owner' },
    ])
    const leave = await groupOp(a, { kind: 'leave', conversationId })
    expect(leave.reply).toMatchObject({ type: 'ack' })
    expect((await groupOp(a, { kind: 'leave', conversationId }, leave.id)).reply).toMatchObject({ type: 'ack', duplicate: true })
    const left = (await b.next(isGroupEvent(conversationId, 'left'))) as EventFrame
    expect(left.event).toMatchObject({ from: 'alice', change: { type: 'left', username: 'alice' } })
    await Promise.all([a.close(), b.close()])
  })
})

describe('withdraw in a group', () => {
  it('the author within the window; an admin any time, with a reason; a member never for others', async () => {
    const [a, b, c] = await connectAll('alice', 'bob', 'carol')
    const conversationId = await createGroup(a, ['bob', 'carol'])
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'admin' })

    const own = await sendText(c, conversationId, 'my own')
    expect((await withdraw(c, conversationId, own.id)).reply).toMatchObject({ type: 'ack' })
    const relayed = (await a.next(isCmdFor(own.id))) as EventFrame
    expect(relayed.event).toMatchObject({ chatType: 'GroupChat', from: 'carol', target: { from: 'carol' } })

    const others = await sendText(c, conversationId, 'not yours')
    const [outsider] = await connectAll('dave')
    expect((await withdraw(outsider, conversationId, others.id)).reply).toMatchObject({ code: 'NOT_MEMBER' })
    await outsider.close()
    const memberAttempt = await sendText(a, conversationId, 'alice speaks')
    expect((await withdraw(c, conversationId, memberAttempt.id)).reply).toMatchObject({ code: 'NOT_ALLOWED' })

    clock.advance(3_600_000) // far past the author's window, within the admins' unlimited one
    expect((await withdraw(c, conversationId, others.id)).reply).toMatchObject({ code: 'RECALL_TIME_LIMIT' })
    const { id, reply } = await withdraw(b, conversationId, others.id, 'off topic')
    expect(reply).toMatchObject({ type: 'ack', id })
    for (const client of [a, b, c]) {
      const frame = (await client.next(isCmdFor(others.id))) as EventFrame
      expect(frame.event).toMatchObject({ from: 'bob', ext: { msgId: others.id, reason: 'off topic' }, target: { from: 'carol' } })
    }

    // the same cmd for a 1:1 chatType is malformed
    const wrongType = newId()
    c.send({ type: 'cmd', id: wrongType, conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: memberAttempt.id } })
    expect(await c.reply(wrongType)).toMatchObject({ code: 'BAD_FRAME' })

    // a demoted admin is a member again
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'member' })
    expect((await withdraw(b, conversationId, memberAttempt.id)).reply).toMatchObject({ code: 'NOT_ALLOWED' })
    await Promise.all([a, b, c].map((x) => x.close()))
  })

  it('respects the admin window when one is set', async () => {
    const local = new FakeClock()
    const limited = await startTestServer({ now: local.now, recallWindowSeconds: 60, adminRecallWindowSeconds: 600 })
    try {
      const [alice, bob] = [await signUp(limited, 'alice'), await signUp(limited, 'bob')]
      const [a, b] = [await TestClient.connect(limited, alice), await TestClient.connect(limited, bob)]
      const conversationId = await createGroup(a, ['bob'])
      const sent = await sendText(b, conversationId, 'old news')
      local.advance(601_000)
      expect((await withdraw(a, conversationId, sent.id)).reply).toMatchObject({ code: 'RECALL_TIME_LIMIT' })
      await Promise.all([a.close(), b.close()])
    } finally {
      await limited.close()
    }
  })

  it('an offline member catches up with everything in order, withdrawn messages purged', async () => {
    const [a, b] = await connectAll('alice', 'bob')
    const conversationId = await createGroup(a, ['bob', 'erin'])
    const kept = await sendText(b, conversationId, 'kept')
    const gone = await sendText(b, conversationId, 'gone')
    await groupOp(a, { kind: 'set-role', conversationId, username: 'bob', role: 'admin' })
    await withdraw(a, conversationId, gone.id, 'spam')
    await groupOp(b, { kind: 'add', conversationId, usernames: ['dave'] })

    const erinLog = (await fullLog('erin')).filter((e) => e.conversationId === conversationId)
    expect(erinLog.map((e) => (e.kind === 'group' ? `group:${e.change.type}` : e.kind))).toEqual([
      'group:created',
      'message',
      'group:role-changed',
      'cmd',
      'group:added',
    ])
    expect(erinLog[1]).toMatchObject({ id: kept.id })
    expect(JSON.stringify(erinLog)).not.toContain('"gone"')
    await Promise.all([a.close(), b.close()])
  })
})
