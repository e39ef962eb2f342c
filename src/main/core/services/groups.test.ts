import { afterEach, describe, expect, it } from 'vitest'
import type { GroupNotice, WithdrawNotice } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import type { GroupEvent, GroupMember, MessageEvent } from '../../../shared/protocol'
import { getMessage } from '../db/queries/messages'
import { roleAt } from '../db/queries/groups'
import { cmdEvent, serverTs, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'

const cores: TestCore[] = []
async function core(username = 'carol'): Promise<TestCore> {
  const t = await signedInCore(username)
  cores.push(t)
  return t
}
afterEach(async () => {
  for (const t of cores.splice(0)) await t.dispose()
})

const g = `g:${newId()}`
const roster = (entries: Record<string, GroupMember['role']>): GroupMember[] =>
  Object.entries(entries).map(([username, role]) => ({ username, role }))

function groupEvent(from: string, change: GroupEvent['change'], members: GroupMember[], extra: Partial<GroupEvent> = {}): GroupEvent {
  return { kind: 'group', id: newId(), conversationId: g, from, ts: serverTs(), change, group: { name: 'Trip', members }, ...extra }
}

function groupMessage(from: string, text: string): MessageEvent {
  return { kind: 'message', id: newId(), conversationId: g, from, ts: serverTs(), text }
}

const founding = roster({ alice: 'owner', bob: 'member', carol: 'member' })

describe('group events', () => {
  it('create the group with its name, roster and a notice; a replay changes nothing', async () => {
    const t = await core()
    const created = groupEvent('alice', { type: 'created' }, founding)
    t.link.event(created)
    t.link.event(created)

    const [conversation] = unwrap(await t.core.handlers.listConversations({}))
    expect(conversation).toMatchObject({ id: g, kind: 'group', title: 'Trip', memberCount: 3, unread: 0 })
    expect(unwrap(await t.core.handlers.getGroup({ conversationId: g }))).toEqual({
      conversationId: g,
      name: 'Trip',
      members: roster({ alice: 'owner', bob: 'member', carol: 'member' }),
      myRole: 'member',
    })
    const page = unwrap(await t.core.handlers.listMessages({ conversationId: g }))
    expect(page).toHaveLength(1)
    expect(page[0]).toMatchObject({ id: created.id, kind: 'notice', sender: 'alice', ts: created.ts })
    expect(page[0]!.notice).toEqual({ type: 'group-created', actor: 'alice', members: ['bob', 'carol'], role: null } satisfies GroupNotice)
    expect(t.events.of('group:changed')).toHaveLength(1)
  })

  it('keep each member’s role over time', async () => {
    const t = await core()
    const created = groupEvent('alice', { type: 'created' }, founding)
    const promoted = groupEvent('alice', { type: 'role-changed', username: 'bob', role: 'admin' }, roster({ alice: 'owner', bob: 'admin', carol: 'member' }))
    const removed = groupEvent('bob', { type: 'removed', username: 'carol' }, roster({ alice: 'owner', bob: 'admin' }))
    for (const e of [created, promoted, removed]) t.link.event(e)
    const db = t.core.testing.db
    expect(roleAt(db, g, 'bob', created.ts)).toBe('member')
    expect(roleAt(db, g, 'bob', promoted.ts)).toBe('admin')
    expect(roleAt(db, g, 'carol', promoted.ts)).toBe('member')
    expect(roleAt(db, g, 'carol', removed.ts)).toBeNull()
    expect(roleAt(db, g, 'carol')).toBeNull()
    expect(unwrap(await t.core.handlers.getGroup({ conversationId: g })).myRole).toBeNull()
    const notices = unwrap(await t.core.handlers.listMessages({ conversationId: g })).map((m) => m.notice as GroupNotice)
    expect(notices.map((n) => [n.type, n.actor, n.members, n.role])).toEqual([
      ['group-created', 'alice', ['bob', 'carol'], null],
      ['role-changed', 'alice', ['bob'], 'admin'],
      ['member-removed', 'bob', ['carol'], null],
    ])
  })

  it('after my removal: later messages are ignored and I cannot send', async () => {
    const t = await core()
    t.link.event(groupEvent('alice', { type: 'created' }, founding))
    const before = groupMessage('bob', 'before')
    t.link.event(before)
    t.link.event(groupEvent('alice', { type: 'removed', username: 'carol' }, roster({ alice: 'owner', bob: 'member' })))
    const after = groupMessage('bob', 'after')
    t.link.event(after)
    expect(getMessage(t.core.testing.db, before.id)?.text).toBe('before')
    expect(getMessage(t.core.testing.db, after.id)).toBeNull()
    const sent = await t.core.handlers.sendMessage({ conversationId: g, text: 'hello?' })
    expect(sent).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
  })
})

describe('withdraw in a group, checked against the roster this device holds', () => {
  async function groupWithMessage(t: TestCore) {
    const created = groupEvent('alice', { type: 'created' }, founding)
    t.link.event(created)
    const message = groupMessage('bob', 'from bob')
    t.link.event(message)
    return message
  }

  it('applies an admin’s withdraw with its reason', async () => {
    const t = await core()
    const message = await groupWithMessage(t)
    t.link.event(cmdEvent('alice', message, { chatType: 'GroupChat', ext: { msgId: message.id, reason: 'off topic' } }))
    const notice = getMessage(t.core.testing.db, message.id)
    expect(notice).toMatchObject({ kind: 'notice', text: null, noticeActor: 'alice', noticeAuthor: 'bob', noticeReason: 'off topic' })
    const [view] = t.events.of('message:withdrawn')
    expect(view!.notice.notice).toEqual({ type: 'withdrawn', actor: 'alice', author: 'bob', reason: 'off topic', canReEdit: false } satisfies WithdrawNotice)
  })

  it('ignores a crafted withdraw from a member of someone else’s message', async () => {
    const t = await core()
    const message = await groupWithMessage(t)
    t.link.event(cmdEvent('carol', message, { chatType: 'GroupChat' }))
    t.link.event(cmdEvent('dave', message, { chatType: 'GroupChat' }))
    expect(getMessage(t.core.testing.db, message.id)).toMatchObject({ kind: 'text', text: 'from bob' })
    expect(t.events.of('message:withdrawn')).toEqual([])
  })

  it('judges by the role held at the withdraw’s time, not now', async () => {
    const t = await core('dave')
    t.link.event(groupEvent('alice', { type: 'created' }, roster({ alice: 'owner', bob: 'member', carol: 'member', dave: 'member' })))
    const message = groupMessage('bob', 'from bob')
    t.link.event(message)
    // stamped while carol was a plain member, delivered (crafted) after her promotion
    const early = cmdEvent('carol', message, { chatType: 'GroupChat' })
    t.link.event(groupEvent('alice', { type: 'role-changed', username: 'carol', role: 'admin' }, roster({ alice: 'owner', bob: 'member', carol: 'admin', dave: 'member' })))
    t.link.event(early)
    expect(getMessage(t.core.testing.db, message.id)?.kind).toBe('text')
    t.link.event(cmdEvent('carol', message, { chatType: 'GroupChat' }))
    expect(getMessage(t.core.testing.db, message.id)?.kind).toBe('notice')
  })

  it('shows an admin’s withdraw of a message it never got, unless that came before I joined', async () => {
    const t = await core()
    t.link.event(groupEvent('alice', { type: 'created' }, roster({ alice: 'owner', bob: 'member' })))
    const beforeMe = groupMessage('bob', 'never mine')
    t.link.event(groupEvent('alice', { type: 'added', usernames: ['carol'] }, founding))
    const missed = groupMessage('bob', 'purged before I got it')
    t.link.event(cmdEvent('alice', beforeMe, { chatType: 'GroupChat' }))
    t.link.event(cmdEvent('alice', missed, { chatType: 'GroupChat' }))
    const db = t.core.testing.db
    expect(getMessage(db, beforeMe.id)).toBeNull()
    expect(getMessage(db, missed.id)).toMatchObject({ kind: 'notice', noticeActor: 'alice', noticeAuthor: 'bob' })
    // and the messages stay out if they turn up after all
    t.link.event(beforeMe)
    t.link.event(missed)
    expect(getMessage(db, beforeMe.id)).toBeNull()
    expect(getMessage(db, missed.id)?.kind).toBe('notice')
  })
})

describe('group ops', () => {
  it('create: sends the op, answers with the conversation once the server acked', async () => {
    const t = await core('alice')
    const pending = t.core.handlers.createGroup({ name: '  Trip ', members: ['Bob', 'carol', 'alice', 'bob'] })
    await waitFor(() => t.link.framesOf('group').length === 1)
    const [frame] = t.link.framesOf('group')
    expect(frame!.op).toMatchObject({ kind: 'create', name: 'Trip', members: ['bob', 'carol'] })
    const conversationId = frame!.op.conversationId
    t.link.deliver({ type: 'ack', id: frame!.id, ts: serverTs() })
    t.link.event({
      kind: 'group',
      id: frame!.id,
      conversationId,
      from: 'alice',
      ts: serverTs(),
      change: { type: 'created' },
      group: { name: 'Trip', members: roster({ alice: 'owner', bob: 'member', carol: 'member' }) },
    })
    expect(unwrap(await pending)).toMatchObject({ id: conversationId, kind: 'group', title: 'Trip', memberCount: 3 })
    expect(unwrap(await t.core.handlers.getGroup({ conversationId })).myRole).toBe('owner')
  })

  it('a change answers with the group once its event is applied; refusals come back as codes', async () => {
    const t = await core('alice')
    t.link.event(groupEvent('alice', { type: 'created' }, roster({ alice: 'owner', bob: 'member' })))
    const pending = t.core.handlers.setRole({ conversationId: g, username: 'bob', role: 'admin' })
    await waitFor(() => t.link.framesOf('group').length === 1)
    const [frame] = t.link.framesOf('group')
    expect(frame!.op).toEqual({ kind: 'set-role', conversationId: g, username: 'bob', role: 'admin' })
    t.link.deliver({ type: 'ack', id: frame!.id, ts: serverTs() })
    t.link.event(groupEvent('alice', { type: 'role-changed', username: 'bob', role: 'admin' }, roster({ alice: 'owner', bob: 'admin' }), { id: frame!.id }))
    expect(unwrap(await pending).members).toEqual(roster({ alice: 'owner', bob: 'admin' }))

    // nothing to change: no round trip
    t.link.clearSent()
    expect(unwrap(await t.core.handlers.addMembers({ conversationId: g, usernames: ['bob'] })).members).toHaveLength(2)
    expect(t.link.framesOf('group')).toEqual([])

    const refused = t.core.handlers.removeMember({ conversationId: g, username: 'zed_unknown' })
    await waitFor(() => t.link.framesOf('group').length === 1)
    t.link.deliver({ type: 'error', id: t.link.framesOf('group')[0]!.id, code: 'NOT_FOUND', message: 'zed_unknown is not a member' })
    expect(await refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })

    t.link.clearSent()
    const full = t.core.handlers.addMembers({ conversationId: g, usernames: ['carol'] })
    await waitFor(() => t.link.framesOf('group').length === 1)
    t.link.deliver({ type: 'error', id: t.link.framesOf('group')[0]!.id, code: 'GROUP_FULL', message: 'a group has at most 200 members' })
    expect(await full).toMatchObject({ ok: false, error: { code: 'GROUP_FULL' } })
  })

  it('an admin may withdraw another member’s message; the cmd says GroupChat and carries the reason', async () => {
    const t = await core('alice')
    t.link.event(groupEvent('alice', { type: 'created' }, roster({ alice: 'owner', bob: 'member' })))
    const message = groupMessage('bob', 'from bob')
    t.link.event(message)
    const pending = t.core.handlers.withdrawMessage({ messageId: message.id, reason: 'spam' })
    await waitFor(() => t.link.framesOf('cmd').length === 1)
    const [cmd] = t.link.framesOf('cmd')
    expect(cmd).toMatchObject({ conversationId: g, chatType: 'GroupChat', ext: { msgId: message.id, reason: 'spam' } })
    t.link.deliver({ type: 'ack', id: cmd!.id, ts: serverTs() })
    expect(unwrap(await pending)).toEqual({ outcome: 'withdrawn' })
    const notice = unwrap(await t.core.handlers.listMessages({ conversationId: g })).find((m) => m.id === message.id)
    // a moderator keeps nothing to re-edit of someone else's words
    expect(notice?.notice).toEqual({ type: 'withdrawn', actor: 'alice', author: 'bob', reason: 'spam', canReEdit: false })
  })

  it('a member may not withdraw another member’s message', async () => {
    const t = await core('carol')
    t.link.event(groupEvent('alice', { type: 'created' }, founding))
    const message = groupMessage('bob', 'from bob')
    t.link.event(message)
    expect(await t.core.handlers.withdrawMessage({ messageId: message.id })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    expect(t.link.framesOf('cmd')).toEqual([])
  })
})
