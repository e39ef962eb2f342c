/**
 * Groups end to end: a real server, five real client cores. Membership and roles flow
 * as events into every member's database; withdraws by authors and by moderators reach
 * exactly the current members; everything else is refused by the server, and ignored by
 * clients when it reaches them anyway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GroupNotice, MessageView, WithdrawNotice } from '../../src/shared/bridge'
import { newId } from '../../src/shared/ids'
import { type ClientFrame, type CmdEvent, REVOKE_FLAG, type ServerFrame } from '../../src/shared/protocol'
import { getCursor } from '../../src/main/core/db/queries/meta'
import {
  ok,
  RECONNECT_TIMEOUT_MS,
  signedUpClient,
  storedMessage,
  storedMessages,
  uniqueName,
  type TestClient,
} from '../helpers/client'
import { launchServer, type ServerProcess } from '../helpers/server-process'
import { expectNoTrace, marker, traceOf } from '../helpers/trace'

let server: ServerProcess
const names = {
  alice: uniqueName('alice'),
  bob: uniqueName('bob'),
  carol: uniqueName('carol'),
  dave: uniqueName('dave'),
  erin: uniqueName('erin'),
}
let alice: TestClient
let bob: TestClient
let carol: TestClient
let dave: TestClient
let erin: TestClient
let g: string
/** Texts that were withdrawn: none may be left in Erin's profile when she returns. */
const withdrawnTexts: string[] = []
const keptTexts: string[] = []

beforeAll(async () => {
  server = await launchServer()
  ;[alice, bob, carol, dave, erin] = await Promise.all([
    signedUpClient(server.url, names.alice),
    signedUpClient(server.url, names.bob),
    signedUpClient(server.url, names.carol),
    signedUpClient(server.url, names.dave),
    signedUpClient(server.url, names.erin),
  ])
  // Erin is offline through everything below.
  await erin.close()
})

afterAll(async () => {
  for (const c of [alice, bob, carol, dave, erin]) await c?.dispose()
  await server?.dispose()
})

/** `from` sends; resolves once every client in `to` has it. */
async function deliver(from: TestClient, text: string, to: TestClient[]): Promise<MessageView> {
  const m = ok(await from.h.sendMessage({ conversationId: g, text }))
  await Promise.all(to.map((c) => c.waitForEvent('message:added', (e) => e.message.id === m.id)))
  return m
}

/**
 * The profile holds the text nowhere: not in the database, its WAL or the search index.
 * The WAL is truncated right after the withdraw's commit (within milliseconds, merged
 * with others of a burst), so this waits for it rather than racing it.
 */
function noticeOf(c: TestClient, id: string): MessageView | undefined {
  return c.events.find('message:withdrawn', (e) => e.messageId === id)?.notice
}

/** A client frame written as-is on the client's socket; resolves with the server's answer. */
function rawRequest(c: TestClient, frame: ClientFrame & { id: string }): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    const stop = c.core.testing.onServerFrame((f) => {
      if ((f.type === 'ack' || f.type === 'error') && f.id === frame.id) {
        stop()
        resolve(f)
      }
    })
    if (!c.core.testing.sendRawFrame(frame)) reject(new Error('not connected'))
  })
}

describe('a group of five (Erin offline throughout)', () => {
  it('is created by Alice; every member online gets it with its roster and a notice', async () => {
    const view = ok(await alice.h.createGroup({ name: 'Launch crew', members: [names.bob, names.carol, names.dave, names.erin] }))
    g = view.id
    expect(view).toMatchObject({ kind: 'group', title: 'Launch crew' })
    for (const c of [alice, bob, carol, dave]) {
      const { group } = await c.waitForEvent('group:changed', (e) => e.group.conversationId === g)
      expect(group.members).toHaveLength(5)
      expect(group.members[0]).toEqual({ username: names.alice, role: 'owner' })
    }
    const [conversation] = ok(await carol.h.listConversations({})).filter((c) => c.id === g)
    expect(conversation).toMatchObject({ title: 'Launch crew', memberCount: 5, kind: 'group' })
    const created = carol.events.find('message:added', (e) => e.message.conversationId === g)!.message
    expect(created.notice).toEqual({
      type: 'group-created',
      actor: names.alice,
      members: [names.bob, names.carol, names.dave, names.erin].sort(),
      role: null,
    } satisfies GroupNotice)
  })

  it('the owner makes Bob an admin; members see the role change', async () => {
    const group = ok(await alice.h.setRole({ conversationId: g, username: names.bob, role: 'admin' }))
    expect(group.members.find((m) => m.username === names.bob)?.role).toBe('admin')
    const seen = await carol.waitForEvent('group:changed', (e) => e.group.members.some((m) => m.username === names.bob && m.role === 'admin'))
    expect(seen.group.myRole).toBe('member')
    // only the owner changes roles
    expect(await bob.h.setRole({ conversationId: g, username: names.carol, role: 'admin' })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
  })

  it('a member withdraws her own message: gone everywhere, no trace on a receiver', async () => {
    const secret = marker('own')
    const m = await deliver(carol, `mine: ${secret}`, [alice, bob, dave])
    keptTexts.push(ok(await alice.h.sendMessage({ conversationId: g, text: `kept ${marker('kept')}` })).text!)
    expect(traceOf(bob.profileDir, secret).length).toBeGreaterThan(0)

    expect(ok(await carol.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    withdrawnTexts.push(secret)
    for (const c of [alice, bob, dave]) {
      const w = await c.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
      expect(w.notice.notice).toMatchObject({ type: 'withdrawn', actor: names.carol, author: names.carol, reason: null })
    }
    await expectNoTrace(bob.profileDir, secret)
    expect(storedMessage(dave.profileDir, m.id)).toMatchObject({ kind: 'notice', text: null })
  })

  it('an admin withdraws a member’s message with a reason', async () => {
    const secret = marker('moderated')
    const m = await deliver(carol, `off topic: ${secret}`, [alice, bob, dave])
    expect(ok(await bob.h.withdrawMessage({ messageId: m.id, reason: 'off topic' }))).toEqual({ outcome: 'withdrawn' })
    withdrawnTexts.push(secret)
    for (const c of [alice, carol, dave]) {
      const w = await c.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
      expect(w.notice.notice).toEqual({ type: 'withdrawn', actor: names.bob, author: names.carol, reason: 'off topic', canReEdit: false } satisfies WithdrawNotice)
    }
    // nothing of it on the author's device or the moderator's (no re-edit draft of someone else's words)
    for (const c of [carol, bob, dave]) await expectNoTrace(c.profileDir, secret)
    expect(noticeOf(bob, m.id)?.notice).toMatchObject({ actor: names.bob, canReEdit: false })
  })

  it('a member cannot withdraw another’s message: refused by the server, and a crafted cmd is ignored', async () => {
    const m = await deliver(alice, `alice speaks ${marker('stays')}`, [bob, carol, dave])
    keptTexts.push(m.text!)
    // the app does not even try
    expect(await carol.h.withdrawMessage({ messageId: m.id })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    // the raw protocol frame is refused by the server
    const id = newId()
    const answer = await rawRequest(carol, {
      type: 'cmd',
      id,
      conversationId: g,
      chatType: 'GroupChat',
      action: REVOKE_FLAG,
      ext: { msgId: m.id },
    })
    expect(answer).toMatchObject({ type: 'error', id, code: 'NOT_ALLOWED' })

    // a relay claiming Carol withdrew it, injected at Dave's protocol layer, changes nothing
    const crafted: CmdEvent = {
      kind: 'cmd',
      id: newId(),
      conversationId: g,
      chatType: 'GroupChat',
      from: names.carol,
      ts: Date.now(),
      action: REVOKE_FLAG,
      ext: { msgId: m.id },
      target: { from: names.alice, ts: m.ts },
    }
    const seq = getCursor(dave.core.testing.db)
    dave.core.testing.injectServerFrame(JSON.stringify({ type: 'event', seq, event: crafted } satisfies ServerFrame))
    expect(storedMessage(dave.profileDir, m.id)).toMatchObject({ kind: 'text', text: m.text })
    expect(noticeOf(dave, m.id)).toBeUndefined()
  })

  it('a removed member gets neither later messages nor later withdraws, and cannot send', async () => {
    const before = await deliver(alice, `before dave left ${marker('before')}`, [bob, carol, dave])
    // withdrawn below while Erin is still away: it must never reach her
    withdrawnTexts.push(before.text!)
    const group = ok(await bob.h.removeMember({ conversationId: g, username: names.dave }))
    expect(group.members.map((m) => m.username)).not.toContain(names.dave)
    const removal = await dave.waitForEvent('group:changed', (e) => e.group.myRole === null)
    expect(removal.group.members).toHaveLength(4)
    const notice = dave.events.find('message:added', (e) => (e.message.notice as GroupNotice | null)?.type === 'member-removed')
    expect(notice?.message.notice).toMatchObject({ actor: names.bob, members: [names.dave] })

    const later = await deliver(alice, `after dave left ${marker('after')}`, [bob, carol])
    keptTexts.push(later.text!)
    expect(ok(await alice.h.withdrawMessage({ messageId: before.id }))).toEqual({ outcome: 'withdrawn' })
    await carol.waitForEvent('message:withdrawn', (e) => e.messageId === before.id)
    expect(await dave.h.sendMessage({ conversationId: g, text: 'still here?' })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    const id = newId()
    expect(await rawRequest(dave, { type: 'send', id, conversationId: g, text: 'let me in' })).toMatchObject({ code: 'NOT_MEMBER' })
    // the server answers Dave's frames in order, after anything it had for him
    const probe = await rawRequest(dave, { type: 'cmd', id: newId(), conversationId: g, chatType: 'GroupChat', action: REVOKE_FLAG, ext: { msgId: later.id } })
    expect(probe).toMatchObject({ code: 'NOT_MEMBER' })

    expect(storedMessage(dave.profileDir, later.id)).toBeUndefined()
    expect(storedMessage(dave.profileDir, before.id)).toMatchObject({ kind: 'text', text: before.text })
    expect(dave.events.find('message:added', (e) => e.message.id === later.id)).toBeUndefined()
    expect(noticeOf(dave, before.id)).toBeUndefined()
  })

  it('a member offline through all of it finds the right state on sign-in', async () => {
    const last = ok(await alice.h.sendMessage({ conversationId: g, text: 'welcome back, erin' }))
    erin = await erin.restart()
    await erin.waitForEvent('message:added', (e) => e.message.id === last.id, { timeoutMs: RECONNECT_TIMEOUT_MS })

    const group = ok(await erin.h.getGroup({ conversationId: g }))
    expect(group.myRole).toBe('member')
    expect(group.members.map((m) => [m.username, m.role])).toEqual([
      [names.alice, 'owner'],
      [names.bob, 'admin'],
      ...[names.carol, names.erin].sort().map((n) => [n, 'member']),
    ])
    const timeline = ok(await erin.h.listMessages({ conversationId: g }))
    const kinds = timeline.map((m) => (m.kind === 'text' ? 'text' : (m.notice as GroupNotice | WithdrawNotice).type))
    expect(kinds).toEqual([
      'group-created',
      'role-changed',
      'withdrawn', // carol's own
      'text', // kept
      'withdrawn', // moderated by bob
      'text', // alice speaks
      'withdrawn', // before dave left, withdrawn by alice
      'member-removed',
      'text', // after dave left
      'text', // welcome back
    ])
    const moderated = timeline.filter((m) => m.notice?.type === 'withdrawn').map((m) => m.notice as WithdrawNotice)
    expect(moderated.map((n) => [n.actor, n.author, n.reason])).toEqual([
      [names.carol, names.carol, null],
      [names.bob, names.carol, 'off topic'],
      [names.alice, names.alice, null],
    ])
    for (const text of keptTexts) expect(storedMessages(erin.profileDir, g).some((m) => m.text === text)).toBe(true)
    // the withdrawn texts never reached her device
    for (const secret of withdrawnTexts) await expectNoTrace(erin.profileDir, secret)
  })
})
