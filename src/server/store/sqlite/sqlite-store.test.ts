import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../../shared/ids'
import { directConversationId } from '../../../shared/protocol'
import type { WithdrawDecision } from '../../../shared/withdraw-rules'
import type { Delivery, MessageRecord, StoredEvent } from '../types'
import { SqliteStore } from './sqlite-store'

let dir: string
let store: SqliteStore
const ab = directConversationId('alice', 'bob')
/** The handler's rules are tested with it; here every withdraw is allowed unless a test says otherwise. */
const allow = (): WithdrawDecision => ({ allowed: true, as: 'author' })

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'))
  store = SqliteStore.open(dir)
  for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
})
afterEach(async () => {
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

function append(text: string, now = 1_000, id = newId()) {
  return store.appendMessage({ id, conversationId: ab, sender: 'alice', text, members: ['alice', 'bob'], now })
}

describe('SqliteStore', () => {
  it('reports a taken username', async () => {
    expect(await store.createUser({ username: 'alice', passwordHash: 'other', createdAt: 2 })).toBe('taken')
    expect((await store.findUser('alice'))?.passwordHash).toBe('unused')
  })

  it('hands out unique increasing timestamps and log seqs, also across a restart', async () => {
    // the first in a group commit of its own, the next two sharing one
    const first = await append('a', 5_000)
    const [second, third] = await Promise.all([append('b', 5_000), append('c', 4_000)])
    const ts = [first, second, third].map((r) => (r.kind === 'appended' ? r.ts : -1))
    expect(ts).toEqual([5_000, 5_001, 5_002])

    await store.close()
    store = SqliteStore.open(dir)
    const fourth = await append('d', 10)
    expect(fourth).toMatchObject({ kind: 'appended', ts: 5_003, deliveries: [{ username: 'alice', seq: 4 }, { username: 'bob', seq: 4 }] })
  })

  it('leaves a gap, never a repeat, when a write that took seqs and a timestamp rolls back', async () => {
    await append('a', 5_000)
    // the second member does not exist: the write fails after the first member's event was appended
    const failed = store.appendMessage({ id: newId(), conversationId: ab, sender: 'alice', text: 'x', members: ['alice', 'nobody'], now: 5_000 })
    await expect(failed).rejects.toThrow(/unknown user nobody/)
    await store.close()
    store = SqliteStore.open(dir)
    expect(await append('b', 5_000)).toMatchObject({ ts: 5_002, deliveries: [{ username: 'alice', seq: 3 }, { username: 'bob', seq: 2 }] })
    expect((await store.eventsAfter('alice', 0, 10)).map((e) => e.seq)).toEqual([1, 3])
  })

  it('appends to every member’s log and keeps seqs after a withdraw at the end of the log', async () => {
    const sent = await append('hello')
    expect(sent).toMatchObject({ kind: 'appended', deliveries: [{ username: 'alice', seq: 1 }, { username: 'bob', seq: 1 }] })
    const msgId = (await store.eventsAfter('bob', 0, 10))[0]!.event
    expect(msgId).toMatchObject({ kind: 'message', text: 'hello', from: 'alice' })

    const id = (msgId as { id: string }).id
    const withdrawn = await store.withdrawMessage({
      msgId: id,
      conversationId: ab,
      by: 'alice',
      cmdId: newId(),
      chatType: 'Chat',
      reason: null,
      members: ['alice', 'bob'],
      now: 2_000,
      authorize: allow,
    })
    expect(withdrawn).toMatchObject({ kind: 'withdrawn', deliveries: [{ username: 'alice', seq: 2 }, { username: 'bob', seq: 2 }] })
    expect((await store.eventsAfter('bob', 0, 10)).map((e) => [e.seq, e.event.kind])).toEqual([[2, 'cmd']])
    // seq 1 is never handed out again even though its event is gone
    expect(await append('next')).toMatchObject({ deliveries: [{ username: 'alice', seq: 3 }, { username: 'bob', seq: 3 }] })
  })

  it('asks authorize inside the write, with the message as stored, and writes nothing it refuses', async () => {
    const sent = await append('keep me', 1_000)
    const msgId = (await store.eventsAfter('bob', 0, 10))[0]!.event as { id: string }
    const seen: MessageRecord[] = []
    const withdraw = (authorize: (m: MessageRecord) => WithdrawDecision) =>
      store.withdrawMessage({ msgId: msgId.id, conversationId: ab, by: 'bob', cmdId: newId(), chatType: 'Chat', reason: null, members: ['alice', 'bob'], now: 2_000, authorize })

    const refused = await withdraw((m) => {
      seen.push(m)
      return { allowed: false, code: 'NOT_ALLOWED' }
    })
    expect(refused).toEqual({ kind: 'refused', decision: { allowed: false, code: 'NOT_ALLOWED' } })
    expect(seen).toEqual([{ id: msgId.id, conversationId: ab, sender: 'alice', ts: sent.kind === 'appended' ? sent.ts : -1 }])
    expect((await store.eventsAfter('bob', 0, 10)).map((e) => e.event.kind)).toEqual(['message'])

    expect(await withdraw(() => ({ allowed: true, as: 'admin' }))).toMatchObject({ kind: 'withdrawn', as: 'admin' })
    // a withdrawn message is not offered to authorize again
    expect(await withdraw((m) => {
      seen.push(m)
      return { allowed: true, as: 'author' }
    })).toMatchObject({ kind: 'already-withdrawn' })
    expect(seen).toHaveLength(1)
  })

  it('treats ids as one namespace', async () => {
    const id = newId()
    await append('x', 1_000, id)
    expect(await append('x', 1_000, id)).toMatchObject({ kind: 'duplicate' })
    expect(
      await store.appendMessage({ id, conversationId: ab, sender: 'bob', text: 'x', members: ['alice', 'bob'], now: 1 }),
    ).toEqual({ kind: 'id-conflict' })
    const cmdId = newId()
    await store.withdrawMessage({ msgId: id, conversationId: ab, by: 'alice', cmdId, chatType: 'Chat', reason: 'typo', members: ['alice', 'bob'], now: 2, authorize: allow })
    expect(await append('again', 3, id)).toEqual({ kind: 'withdrawn' })
    expect(await append('cmd id as message id', 3, cmdId)).toEqual({ kind: 'id-conflict' })
    const [cmd] = (await store.eventsAfter('bob', 0, 10)).map((e) => e.event)
    expect(cmd).toMatchObject({ kind: 'cmd', id: cmdId, from: 'alice', ext: { msgId: id, reason: 'typo' }, target: { from: 'alice' } })
  })

  it('hands fan-out exactly the events the log reads back, for every kind', async () => {
    await store.createSession({ id: newId(), tokenHash: Buffer.alloc(32, 2), username: 'bob', deviceId: 'phone', createdAt: 1 })
    const deliveries: Delivery[] = []
    const keep = (result: object) => {
      if ('deliveries' in result) deliveries.push(...(result.deliveries as Delivery[]))
    }
    const first = newId()
    keep(await store.appendMessage({ id: first, conversationId: ab, sender: 'alice', text: 'one', members: ['alice', 'bob'], now: 1 }))
    keep(await store.appendMessage({ id: newId(), conversationId: ab, sender: 'alice', text: 'two', replyTo: first, members: ['alice', 'bob'], now: 2 }))
    keep(await store.ackDevice({ username: 'bob', deviceId: 'phone', seq: 2, now: 3 }))
    keep(await store.withdrawMessage({ msgId: first, conversationId: ab, by: 'alice', cmdId: newId(), chatType: 'Chat', reason: 'oops', members: ['alice', 'bob'], now: 4, authorize: allow }))
    keep(await store.createGroup({ opId: newId(), conversationId: 'g:' + newId(), name: 'g', members: [{ username: 'alice', role: 'owner' }, { username: 'bob', role: 'member' }], actor: 'alice', now: 5 }))

    for (const user of ['alice', 'bob']) {
      const live = deliveries.filter((d) => d.username === user).map(({ seq, event }) => ({ seq, event }))
      // the withdraw removed the first message's events from both logs; everything else is read back as handed out
      const withdrawn = ({ event: e }: StoredEvent) =>
        (e.kind === 'message' && e.id === first) || (e.kind === 'receipt' && e.msgId === first)
      expect(await store.eventsAfter(user, 0, 100)).toEqual(live.filter((e) => !withdrawn(e)))
    }
    expect(new Set(deliveries.map((d) => d.event.kind))).toEqual(new Set(['message', 'receipt', 'cmd', 'group']))
  })

  it('moves cursors forward only and creates each receipt once', async () => {
    await store.createSession({ id: newId(), tokenHash: Buffer.alloc(32, 1), username: 'bob', deviceId: 'phone', createdAt: 1 })
    await append('one')
    await append('two')
    const ack = await store.ackDevice({ username: 'bob', deviceId: 'phone', seq: 99, now: 5_000 })
    expect(ack.cursor).toBe(2)
    expect(ack.deliveries).toMatchObject([{ username: 'alice', seq: 3 }, { username: 'alice', seq: 4 }])
    expect(await store.ackDevice({ username: 'bob', deviceId: 'phone', seq: 1, now: 5_000 })).toEqual({ cursor: 2, deliveries: [] })
    // another device of bob acknowledging the same messages: no new receipts
    expect((await store.ackDevice({ username: 'bob', deviceId: 'laptop', seq: 2, now: 5_000 })).deliveries).toEqual([])
    // the sender acknowledging its own messages produces none either
    expect((await store.ackDevice({ username: 'alice', deviceId: 'desk', seq: 4, now: 5_000 })).deliveries).toEqual([])
    expect(await store.deviceCursor('bob', 'phone')).toBe(2)
    const receipts = (await store.eventsAfter('alice', 2, 10)).map((e) => e.event)
    expect(receipts).toMatchObject([{ kind: 'receipt', state: 'delivered' }, { kind: 'receipt', state: 'delivered' }])
  })

  it('keeps one session per device', async () => {
    const first = { id: newId(), tokenHash: Buffer.alloc(32, 1), username: 'bob', deviceId: 'phone', createdAt: 1 }
    expect(await store.createSession(first)).toEqual({ replaced: [] })
    const second = { ...first, id: newId(), tokenHash: Buffer.alloc(32, 2) }
    const { replaced } = await store.createSession(second)
    expect(replaced.map((s) => s.id)).toEqual([first.id])
    expect(await store.findSessionByTokenHash(first.tokenHash)).toBeNull()
    expect(await store.findSessionByTokenHash(second.tokenHash)).toMatchObject({ id: second.id, deviceId: 'phone' })
  })
})

describe('SqliteStore groups', () => {
  const g = `g:${newId()}`
  const owner = { username: 'alice', role: 'owner' } as const
  const member = { username: 'bob', role: 'member' } as const

  async function create() {
    return store.createGroup({ opId: newId(), conversationId: g, name: 'G', members: [owner, member], actor: 'alice', now: 2_000 })
  }

  it('stores the roster and answers for roles and members', async () => {
    expect(await create()).toMatchObject({ kind: 'created', deliveries: [{ username: 'alice' }, { username: 'bob' }] })
    expect(await store.findGroup(g)).toEqual({ conversationId: g, name: 'G', version: 1, members: [owner, member] })
    expect(await store.rolesOf(g, 'bob')).toBe('member')
    expect(await store.rolesOf(g, 'zed')).toBeNull()
    expect(await store.membersOf(g)).toEqual(['alice', 'bob'])
    expect(await store.findGroup(`g:${newId()}`)).toBeNull()
  })

  it('refuses a write decided on an older roster, and writes nothing', async () => {
    await create()
    const change = await store.changeGroup({
      opId: newId(),
      conversationId: g,
      actor: 'alice',
      change: { type: 'role-changed', username: 'bob', role: 'owner' },
      members: [{ username: 'alice', role: 'admin' }, { username: 'bob', role: 'owner' }],
      audience: ['alice', 'bob'],
      basedOn: 1,
      now: 3_000,
    })
    // the handover demotes before it promotes, so the one-owner index holds throughout
    expect(change).toMatchObject({ kind: 'changed' })
    expect((await store.findGroup(g))?.version).toBe(2)

    const message = { id: newId(), conversationId: g, sender: 'bob', text: 'late', members: ['alice', 'bob'], now: 4_000 }
    expect(await store.appendMessage({ ...message, groupVersion: 1 })).toEqual({ kind: 'stale' })
    const logOf = async (user: string) => (await store.eventsAfter(user, 0, 100)).map((e) => e.event.kind)
    expect(await logOf('bob')).toEqual(['group', 'group'])
    expect(await store.appendMessage({ ...message, groupVersion: 2 })).toMatchObject({ kind: 'appended' })

    const withdraw = { msgId: message.id, conversationId: g, by: 'alice', cmdId: newId(), chatType: 'GroupChat', reason: null, members: ['alice', 'bob'], now: 5_000, authorize: allow } as const
    expect(await store.withdrawMessage({ ...withdraw, groupVersion: 1 })).toEqual({ kind: 'stale' })
    expect(await logOf('bob')).toEqual(['group', 'group', 'message'])
    expect(
      await store.changeGroup({
        opId: newId(),
        conversationId: g,
        actor: 'bob',
        change: { type: 'left', username: 'alice' },
        members: [{ username: 'bob', role: 'owner' }],
        audience: ['alice', 'bob'],
        basedOn: 1,
        now: 6_000,
      }),
    ).toEqual({ kind: 'stale' })
    expect(await store.membersOf(g)).toEqual(['alice', 'bob'])
  })

  it('reads group events back from the log with the roster of their moment', async () => {
    const created = await create()
    const events = await store.eventsAfter('bob', 0, 10)
    expect(events).toEqual([
      {
        seq: 1,
        event: {
          kind: 'group',
          id: expect.any(String),
          conversationId: g,
          from: 'alice',
          ts: created.kind === 'created' ? created.ts : -1,
          change: { type: 'created' },
          group: { name: 'G', members: [owner, member] },
        },
      },
    ])
  })
})
