/**
 * The store contract (types.ts) as a test suite every engine runs: SQLite
 * (sqlite/sqlite-store.test.ts) and PostgreSQL (postgres/postgres-store.test.ts) alike, and
 * a third engine gets the same checks by calling `describeChatStore` with its own opener.
 *
 * Only what the contract promises is checked here. Engine-specific promises stay with the
 * engine: SQLite's store-wide clock (exact timestamps from the caller's `now`, also after a
 * restart), PostgreSQL's database clock and its behaviour under concurrent nodes.
 * Timestamps are therefore checked as "unique and increasing within a conversation" and
 * "no earlier than the message's", never as exact values.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../shared/ids'
import { directConversationId } from '../../shared/protocol'
import type { WithdrawDecision } from '../../shared/withdraw-rules'
import type { ChatStore, Delivery, DeviceAck, MessageRecord, NewMessage, StoredEvent } from './types'

export interface StoreUnderTest {
  store: ChatStore
  /** Closes the store and opens the same database again (a server restart). */
  reopen(): Promise<ChatStore>
  /** Closes the store and removes its database. */
  dispose(): Promise<void>
}

/** Opens a store on a fresh, empty database. */
export type OpenStore = () => Promise<StoreUnderTest>

/** The handler's rules are tested with it; here every withdraw is allowed unless a test says otherwise. */
const allow = (): WithdrawDecision => ({ allowed: true, as: 'author' })
const ab = directConversationId('alice', 'bob')

export function describeChatStore(engine: string, open: OpenStore): void {
  let subject: StoreUnderTest
  let store: ChatStore

  /** One message or ack at a time, through the batch methods (the protocol layer batches per turn). */
  const appendMessage = async (m: NewMessage) => (await store.appendMessages([m]))[0]!
  const ackDevice = async (a: DeviceAck) => (await store.ackDevices([a]))[0]!
  const reopen = async () => {
    store = await subject.reopen()
  }
  const tsOf = (result: { kind: string; ts?: number }) => (result.kind === 'appended' || result.kind === 'created' ? result.ts! : -1)

  function append(text: string, now = 1_000, id = newId()) {
    return appendMessage({ id, conversationId: ab, sender: 'alice', text, members: ['alice', 'bob'], now })
  }

  function withdrawOf(msgId: string, overrides: Partial<Parameters<ChatStore['withdrawMessage']>[0]> = {}) {
    return store.withdrawMessage({
      msgId,
      conversationId: ab,
      by: 'alice',
      cmdId: newId(),
      chatType: 'Chat',
      reason: null,
      members: ['alice', 'bob'],
      now: 2_000,
      authorize: allow,
      ...overrides,
    })
  }

  beforeEach(async () => {
    subject = await open()
    store = subject.store
    for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
  })
  afterEach(async () => {
    await subject.dispose()
  })

  describe(`${engine} (store contract)`, () => {
    it('reports a taken username', async () => {
      expect(await store.createUser({ username: 'alice', passwordHash: 'other', createdAt: 2 })).toBe('taken')
      expect((await store.findUser('alice'))?.passwordHash).toBe('unused')
      expect(await store.findUser('nobody')).toBeNull()
    })

    it('stamps unique timestamps that increase along each log, and seqs that go on after a reopen', async () => {
      const first = await append('a', 5_000)
      const concurrent = await Promise.all([append('b', 5_000), append('c', 4_000)])
      const stamps = [first, ...concurrent].map(tsOf)
      expect(new Set(stamps).size).toBe(3)
      expect(Math.min(...concurrent.map(tsOf))).toBeGreaterThan(tsOf(first))

      await reopen()
      const fourth = await append('d', 10)
      expect(fourth).toMatchObject({ kind: 'appended', deliveries: [{ username: 'alice', seq: 4 }, { username: 'bob', seq: 4 }] })
      expect(tsOf(fourth)).toBeGreaterThan(Math.max(...stamps))
      // in log order, a conversation's timestamps only go up
      const logged = (await store.eventsAfter('bob', 0, 10)).map((e) => (e.event.kind === 'message' ? e.event.ts : -1))
      expect(logged).toEqual([...logged].sort((x, y) => x - y))
      expect(logged).toEqual([tsOf(first), ...concurrent.map(tsOf).sort((x, y) => x - y), tsOf(fourth)])
    })

    it('undoes only the item of a batch that fails; the others are written and no seq seen is handed out again', async () => {
      const kept = [newId(), newId()]
      const batch = store.appendMessages([
        { id: kept[0]!, conversationId: ab, sender: 'alice', text: 'kept before', members: ['alice', 'bob'], now: 1_000 },
        // the second member does not exist: the write fails after the first member's event was appended
        { id: newId(), conversationId: ab, sender: 'alice', text: 'never stored', members: ['alice', 'nobody'], now: 1_000 },
        { id: kept[1]!, conversationId: ab, sender: 'alice', text: 'kept after', members: ['alice', 'bob'], now: 1_000 },
      ])
      await expect(batch).rejects.toThrow(/unknown user nobody/)
      // (the rejection may come before the other items are durable; a restart waits for them)
      await reopen()
      const read = async (user: string) => (await store.eventsAfter(user, 0, 10)).map((e) => [e.seq, e.event.kind === 'message' ? e.event.text : e.event.kind] as const)
      const next = await append('next')
      if (next.kind !== 'appended') throw new Error(next.kind)
      // an engine may leave gaps where the undone item took seqs (nobody saw them), never repeats
      for (const user of ['alice', 'bob']) {
        const log = await read(user)
        expect(log.map(([, text]) => text)).toEqual(['kept before', 'kept after', 'next'])
        const seqs = log.map(([seq]) => seq)
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
        expect(new Set(seqs).size).toBe(3)
        expect(next.deliveries.find((d) => d.username === user)!.seq).toBe(seqs.at(-1))
      }
    })

    it("keeps a log's head when a withdraw deletes its last events and appends nothing after them", async () => {
      // bob left (say, a group) before the withdraw: his copy goes, and no cmd follows it
      const id = newId()
      await append('his last event', 1_000, id)
      expect((await withdrawOf(id, { members: ['alice'] })).kind).toBe('withdrawn')
      expect(await store.eventsAfter('bob', 0, 10)).toEqual([])
      await reopen()
      // a device of bob's may have seen seq 1: the next event is 2, never 1 again
      expect(await append('after the restart')).toMatchObject({ deliveries: [{ username: 'alice' }, { username: 'bob', seq: 2 }] })
    })

    it('appends to every member’s log and keeps seqs after a withdraw at the end of the log', async () => {
      const sent = await append('hello')
      expect(sent).toMatchObject({ kind: 'appended', deliveries: [{ username: 'alice', seq: 1 }, { username: 'bob', seq: 1 }] })
      const event = (await store.eventsAfter('bob', 0, 10))[0]!.event
      expect(event).toMatchObject({ kind: 'message', text: 'hello', from: 'alice', ts: tsOf(sent) })

      const withdrawn = await withdrawOf((event as { id: string }).id)
      expect(withdrawn).toMatchObject({ kind: 'withdrawn', deliveries: [{ username: 'alice', seq: 2 }, { username: 'bob', seq: 2 }] })
      expect((await store.eventsAfter('bob', 0, 10)).map((e) => [e.seq, e.event.kind])).toEqual([[2, 'cmd']])
      // seq 1 is never handed out again even though its event is gone
      expect(await append('next')).toMatchObject({ deliveries: [{ username: 'alice', seq: 3 }, { username: 'bob', seq: 3 }] })
    })

    it("asks authorize inside the write, with the message as stored and the store's clock, and writes nothing it refuses", async () => {
      const sent = await append('keep me', 1_000)
      const msgId = ((await store.eventsAfter('bob', 0, 10))[0]!.event as { id: string }).id
      const seen: Array<{ message: MessageRecord; now: number }> = []
      const withdraw = (authorize: (m: MessageRecord, now: number) => WithdrawDecision) =>
        withdrawOf(msgId, { by: 'bob', authorize })

      const refused = await withdraw((message, now) => {
        seen.push({ message, now })
        return { allowed: false, code: 'NOT_ALLOWED' }
      })
      expect(refused).toEqual({ kind: 'refused', decision: { allowed: false, code: 'NOT_ALLOWED' } })
      expect(seen.map((s) => s.message)).toEqual([{ id: msgId, conversationId: ab, sender: 'alice', ts: tsOf(sent) }])
      // the clock the decision is made on is the one that stamped the message
      expect(seen[0]!.now).toBeGreaterThanOrEqual(tsOf(sent))
      expect((await store.eventsAfter('bob', 0, 10)).map((e) => e.event.kind)).toEqual(['message'])

      let allowedAt = -1
      const withdrawn = await withdraw((_, now) => {
        allowedAt = now
        return { allowed: true, as: 'admin' }
      })
      expect(withdrawn).toMatchObject({ kind: 'withdrawn', as: 'admin' })
      if (withdrawn.kind !== 'withdrawn') throw new Error(withdrawn.kind)
      expect(withdrawn.tombstone.withdrawnAt).toBeGreaterThanOrEqual(allowedAt)
      expect(withdrawn.tombstone.withdrawnAt).toBeGreaterThan(tsOf(sent))
      // a withdrawn message is not offered to authorize again
      expect(
        await withdraw((message, now) => {
          seen.push({ message, now })
          return { allowed: true, as: 'author' }
        }),
      ).toMatchObject({ kind: 'already-withdrawn' })
      expect(seen).toHaveLength(1)
    })

    it('treats ids as one namespace', async () => {
      const id = newId()
      const first = await append('x', 1_000, id)
      expect(await append('x', 1_000, id)).toEqual({ kind: 'duplicate', ts: tsOf(first) })
      expect(await appendMessage({ id, conversationId: ab, sender: 'bob', text: 'x', members: ['alice', 'bob'], now: 1 })).toEqual({
        kind: 'id-conflict',
      })
      const cmdId = newId()
      await withdrawOf(id, { cmdId, reason: 'typo' })
      expect(await append('again', 3, id)).toEqual({ kind: 'withdrawn' })
      expect(await append('cmd id as message id', 3, cmdId)).toEqual({ kind: 'id-conflict' })
      // the same command again answers as it did; its id for another message is a conflict
      expect(await withdrawOf(id, { cmdId })).toMatchObject({ kind: 'already-withdrawn', tombstone: { cmdId } })
      const other = newId()
      await append('other', 4, other)
      expect(await withdrawOf(other, { cmdId })).toEqual({ kind: 'id-conflict' })
      expect(await withdrawOf(newId())).toEqual({ kind: 'not-found' })
      const [cmd] = (await store.eventsAfter('bob', 0, 10)).map((e) => e.event)
      expect(cmd).toMatchObject({ kind: 'cmd', id: cmdId, from: 'alice', ext: { msgId: id, reason: 'typo' }, target: { from: 'alice', ts: tsOf(first) } })
    })

    it('hands fan-out exactly the events the log reads back, for every kind', async () => {
      await store.createSession({ id: newId(), tokenHash: Buffer.alloc(32, 2), username: 'bob', deviceId: 'phone', createdAt: 1 })
      const deliveries: Delivery[] = []
      const keep = (result: object) => {
        if ('deliveries' in result) deliveries.push(...(result.deliveries as Delivery[]))
      }
      const first = newId()
      keep(await appendMessage({ id: first, conversationId: ab, sender: 'alice', text: 'one', members: ['alice', 'bob'], now: 1 }))
      keep(await appendMessage({ id: newId(), conversationId: ab, sender: 'alice', text: 'two', replyTo: first, members: ['alice', 'bob'], now: 2 }))
      keep(await ackDevice({ username: 'bob', deviceId: 'phone', seq: 2, now: 3 }))
      keep(await withdrawOf(first, { reason: 'oops', now: 4 }))
      keep(await store.createGroup({ opId: newId(), conversationId: 'g:' + newId(), name: 'g', members: [{ username: 'alice', role: 'owner' }, { username: 'bob', role: 'member' }], actor: 'alice', now: 5 }))

      for (const user of ['alice', 'bob']) {
        const live = deliveries.filter((d) => d.username === user).map(({ seq, event }) => ({ seq, event }))
        // the withdraw removed the first message's events from both logs; everything else is read back as handed out
        // (the delivery mark names no message, so it stays)
        const withdrawn = ({ event: e }: StoredEvent) => e.kind === 'message' && e.id === first
        expect(await store.eventsAfter(user, 0, 100)).toEqual(live.filter((e) => !withdrawn(e)))
      }
      expect(new Set(deliveries.map((d) => d.event.kind))).toEqual(new Set(['message', 'receipt', 'cmd', 'group']))
    })

    it('keeps free text exactly as sent, U+0000 included (message text, withdraw reason, group name)', async () => {
      // the protocol allows every character in free text (hostile-text fixtures): a store
      // that cannot hold one would refuse the message on every resend
      const odd = 'nul\u0000in the middle\u0000 · 🙂 · \u202eright-to-left · \uFFFD'
      expect(await append(odd)).toMatchObject({ kind: 'appended' })
      const goneId = newId()
      expect(await append(`to withdraw ${odd}`, 1_000, goneId)).toMatchObject({ kind: 'appended' })
      expect(await withdrawOf(goneId, { reason: odd })).toMatchObject({ kind: 'withdrawn' })
      const g = `g:${newId()}`
      await store.createGroup({ opId: newId(), conversationId: g, name: odd, members: [{ username: 'alice', role: 'owner' }, { username: 'bob', role: 'member' }], actor: 'alice', now: 3_000 })

      const events = (await store.eventsAfter('bob', 0, 100)).map((e) => e.event)
      expect(events.find((e) => e.kind === 'message')).toMatchObject({ text: odd })
      expect(events.find((e) => e.kind === 'cmd')).toMatchObject({ ext: { msgId: goneId, reason: odd } })
      expect(events.find((e) => e.kind === 'group')).toMatchObject({ group: { name: odd } })
      expect((await store.findGroup(g))?.name).toBe(odd)
    })

    it('reads a log in order, from a seq, up to a limit', async () => {
      for (const text of ['1', '2', '3', '4', '5']) await append(text)
      const texts = (events: StoredEvent[]) => events.map((e) => [e.seq, e.event.kind === 'message' ? e.event.text : null])
      expect(texts(await store.eventsAfter('bob', 1, 2))).toEqual([[2, '2'], [3, '3']])
      expect(texts(await store.eventsAfter('bob', 4, 10))).toEqual([[5, '5']])
      expect(await store.eventsAfter('bob', 5, 10)).toEqual([])
      expect(await store.eventsAfter('nobody', 0, 10)).toEqual([])
    })

    it('moves cursors forward only and marks each delivery once, one mark per sender and conversation', async () => {
      await store.createSession({ id: newId(), tokenHash: Buffer.alloc(32, 1), username: 'bob', deviceId: 'phone', createdAt: 1 })
      await append('one', 1_000)
      const two = await append('two', 2_000)
      const ack = await ackDevice({ username: 'bob', deviceId: 'phone', seq: 99, now: 5_000 })
      expect(ack.cursor).toBe(2)
      // both messages in one delivery mark, up to the later one
      expect(ack.deliveries).toMatchObject([{ username: 'alice', seq: 3, event: { kind: 'receipt', conversationId: ab, upTo: tsOf(two) } }])
      expect(await ackDevice({ username: 'bob', deviceId: 'phone', seq: 1, now: 5_000 })).toEqual({ cursor: 2, deliveries: [] })
      // another device of bob acknowledging the same messages: no new receipts
      expect((await ackDevice({ username: 'bob', deviceId: 'laptop', seq: 2, now: 5_000 })).deliveries).toEqual([])
      // the sender acknowledging its own messages produces none either
      expect((await ackDevice({ username: 'alice', deviceId: 'desk', seq: 4, now: 5_000 })).deliveries).toEqual([])
      expect(await store.deviceCursor('bob', 'phone')).toBe(2)
      expect(await store.deviceCursor('bob', 'tablet')).toBe(0)
      // read back from the log as it was handed out
      expect((await store.eventsAfter('alice', 2, 10)).map((e) => e.event)).toEqual(ack.deliveries.map((d) => d.event))

      // a later message, delivered later: a second mark, beyond the first
      const three = await append('three', 6_000)
      const later = await ackDevice({ username: 'bob', deviceId: 'phone', seq: 3, now: 7_000 })
      expect(later.deliveries).toMatchObject([{ event: { kind: 'receipt', upTo: tsOf(three) } }])
    })

    it('decides each ack of a batch on its own, in order', async () => {
      await append('one')
      await append('two')
      const results = await store.ackDevices([
        { username: 'bob', deviceId: 'phone', seq: 1, now: 3_000 },
        { username: 'bob', deviceId: 'phone', seq: 2, now: 3_000 },
        { username: 'bob', deviceId: 'laptop', seq: 2, now: 3_000 },
      ])
      expect(results.map((r) => [r.cursor, r.deliveries.length])).toEqual([[1, 1], [2, 1], [2, 0]])
      expect((await store.eventsAfter('alice', 2, 10)).map((e) => e.seq)).toEqual([3, 4])
    })

    it('keeps one session per device and revokes sessions', async () => {
      const first = { id: newId(), tokenHash: Buffer.alloc(32, 1), username: 'bob', deviceId: 'phone', createdAt: 1 }
      expect(await store.createSession(first)).toEqual({ replaced: [] })
      const second = { ...first, id: newId(), tokenHash: Buffer.alloc(32, 2) }
      const { replaced } = await store.createSession(second)
      expect(replaced.map((s) => s.id)).toEqual([first.id])
      expect(await store.findSessionByTokenHash(first.tokenHash)).toBeNull()
      expect(await store.findSessionByTokenHash(second.tokenHash)).toMatchObject({ id: second.id, deviceId: 'phone' })

      const laptop = { ...first, id: newId(), tokenHash: Buffer.alloc(32, 3), deviceId: 'laptop' }
      await store.createSession(laptop)
      expect(await store.revokeSession(second.id)).toEqual({ id: second.id, username: 'bob', deviceId: 'phone', createdAt: 1 })
      expect(await store.revokeSession(second.id)).toBeNull()
      expect((await store.revokeUserSessions('bob')).map((s) => s.id)).toEqual([laptop.id])
      expect(await store.findSessionByTokenHash(laptop.tokenHash)).toBeNull()
    })
  })

  describe(`${engine} groups (store contract)`, () => {
    const g = `g:${newId()}`
    const owner = { username: 'alice', role: 'owner' } as const
    const member = { username: 'bob', role: 'member' } as const

    async function create(opId = newId()) {
      return store.createGroup({ opId, conversationId: g, name: 'G', members: [owner, member], actor: 'alice', now: 2_000 })
    }

    it('stores the roster and answers for roles and members', async () => {
      const opId = newId()
      const created = await create(opId)
      expect(created).toMatchObject({ kind: 'created', deliveries: [{ username: 'alice' }, { username: 'bob' }] })
      expect(await create(opId)).toEqual({ kind: 'duplicate', ts: tsOf(created) })
      expect(await create()).toEqual({ kind: 'id-conflict' })
      expect(await store.findGroup(g)).toEqual({ conversationId: g, name: 'G', version: 1, members: [owner, member] })
      expect(await store.findGroupEvent(opId)).toEqual({ id: opId, conversationId: g, actor: 'alice', ts: tsOf(created) })
      expect(await store.rolesOf(g, 'bob')).toBe('member')
      expect(await store.rolesOf(g, 'zed')).toBeNull()
      expect(await store.membersOf(g)).toEqual(['alice', 'bob'])
      expect(await store.findGroup(`g:${newId()}`)).toBeNull()
      expect(await store.membersOf(`g:${newId()}`)).toEqual([])
    })

    it('refuses a write decided on an older roster, and writes nothing', async () => {
      const created = await create()
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
      expect(change.kind === 'changed' && change.ts).toBeGreaterThan(tsOf(created))
      expect((await store.findGroup(g))?.version).toBe(2)

      const message = { id: newId(), conversationId: g, sender: 'bob', text: 'late', members: ['alice', 'bob'], now: 4_000 }
      expect(await appendMessage({ ...message, groupVersion: 1 })).toEqual({ kind: 'stale' })
      const logOf = async (user: string) => (await store.eventsAfter(user, 0, 100)).map((e) => e.event.kind)
      expect(await logOf('bob')).toEqual(['group', 'group'])
      expect(await appendMessage({ ...message, groupVersion: 2 })).toMatchObject({ kind: 'appended' })

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

    it('adds and removes members: the roster, its version and who hears of it', async () => {
      await store.createUser({ username: 'carol', passwordHash: 'unused', createdAt: 1 })
      await create()
      const added = await store.changeGroup({
        opId: newId(),
        conversationId: g,
        actor: 'alice',
        change: { type: 'added', usernames: ['carol'] },
        members: [owner, member, { username: 'carol', role: 'member' }],
        audience: ['alice', 'bob', 'carol'],
        basedOn: 1,
        now: 3_000,
      })
      expect(added).toMatchObject({ kind: 'changed', deliveries: [{ username: 'alice' }, { username: 'bob' }, { username: 'carol', seq: 1 }] })
      // a later joiner comes after the founders
      expect(await store.membersOf(g)).toEqual(['alice', 'bob', 'carol'])
      const removed = await store.changeGroup({
        opId: newId(),
        conversationId: g,
        actor: 'alice',
        change: { type: 'removed', username: 'bob' },
        members: [owner, { username: 'carol', role: 'member' }],
        audience: ['alice', 'bob', 'carol'],
        basedOn: 2,
        now: 4_000,
      })
      expect(removed.kind).toBe('changed')
      expect(await store.findGroup(g)).toEqual({ conversationId: g, name: 'G', version: 3, members: [owner, { username: 'carol', role: 'member' }] })
      expect(await store.rolesOf(g, 'bob')).toBeNull()
      // the removed member hears of his removal, with the roster without him
      const last = (await store.eventsAfter('bob', 0, 10)).at(-1)!.event
      expect(last).toMatchObject({ kind: 'group', change: { type: 'removed', username: 'bob' }, group: { members: [owner, { username: 'carol', role: 'member' }] } })
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
            ts: tsOf(created),
            change: { type: 'created' },
            group: { name: 'G', members: [owner, member] },
          },
        },
      ])
    })
  })
}
