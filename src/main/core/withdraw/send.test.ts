import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { MessageView } from '../../../shared/bridge'
import { directConversationId } from '../../../shared/protocol'
import { getMessage } from '../db/queries/messages'
import { listOutbox } from '../db/queries/outbox'
import { REEDIT_KEEP_MS } from '../db/queries/reedit-drafts'
import { getTombstone } from '../db/queries/tombstones'
import { cmdEvent, messageEvent, serverTs, unwrap, type TestCore } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
const alice = () => cores.signedIn('alice')

const conv = directConversationId('alice', 'bob')

/** A message of mine the server has taken. */
async function sentMessage(t: TestCore, text: string): Promise<MessageView> {
  const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text }))
  t.link.deliver({ type: 'ack', id: m.id, ts: serverTs() })
  t.link.clearSent()
  t.events.clear()
  return m
}

function lastCmd(t: TestCore) {
  const cmd = t.link.framesOf('cmd').at(-1)
  if (!cmd) throw new Error('no cmd sent')
  return cmd
}

describe('withdrawing my message', () => {
  it('cancels a message that never left this device: nothing is ever sent', async () => {
    const t = await alice()
    t.link.drop()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'oops, not that' }))
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'cancelled' })
    expect(getMessage(t.core.testing.db, m.id)).toMatchObject({ kind: 'notice', noticeActor: 'alice' })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    expect(t.events.of('message:withdrawn')[0]!.notice.notice).toMatchObject({ actor: 'alice', canReEdit: true })
    expect(unwrap(await t.core.handlers.reEdit({ messageId: m.id }))).toEqual({ text: 'oops, not that' })

    t.link.welcome('alice')
    expect(t.link.sent).toEqual([])
  })

  it('cancels a message the server refused for good, without asking it', async () => {
    const t = await alice()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'to nobody' }))
    t.link.deliver({ type: 'error', id: m.id, code: 'USER_NOT_FOUND', message: 'no such user' })
    t.link.clearSent()
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'cancelled' })
    expect(t.link.sent).toEqual([])
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
  })

  it('sends the command and answers with the server: withdrawn', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'take me back')
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id, reason: 'typo' })
    const cmd = lastCmd(t)
    expect(cmd).toMatchObject({ type: 'cmd', conversationId: conv, chatType: 'Chat', action: 'REVOKE_FLAG', ext: { msgId: m.id, reason: 'typo' } })
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('text')

    const at = serverTs()
    t.link.deliver({ type: 'ack', id: cmd.id, ts: at })
    expect(unwrap(await pending)).toEqual({ outcome: 'withdrawn' })
    expect(getMessage(t.core.testing.db, m.id)).toMatchObject({ kind: 'notice', noticeReason: 'typo' })
    expect(getTombstone(t.core.testing.db, m.id)).toMatchObject({ status: 'applied', at, by: 'alice' })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    const [w] = t.events.of('message:withdrawn')
    expect(w).toMatchObject({ conversationId: conv, messageId: m.id, notice: { mine: true, notice: { canReEdit: true } } })
    expect(unwrap(await t.core.handlers.reEdit({ messageId: m.id }))).toEqual({ text: 'take me back' })

    // The relayed command in my own log, and a second request, change nothing.
    t.link.event(cmdEvent('alice', messageEvent('alice', 'bob', 'x', { id: m.id, ts: m.ts })))
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    expect(t.events.of('message:withdrawn')).toHaveLength(1)
  })

  it.each([
    ['RECALL_TIME_LIMIT', 'RECALL_TIME_LIMIT'],
    ['NOT_ALLOWED', 'NOT_ALLOWED'],
    ['NOT_MEMBER', 'NOT_ALLOWED'],
    ['NOT_FOUND', 'NOT_FOUND'],
  ] as const)('maps a %s refusal to %s and keeps the message', async (serverCode, bridgeCode) => {
    const t = await alice()
    const m = await sentMessage(t, 'stays')
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    t.link.deliver({ type: 'error', id: lastCmd(t).id, code: serverCode, message: 'refused' })
    expect(await pending).toMatchObject({ ok: false, error: { code: bridgeCode } })
    expect(getMessage(t.core.testing.db, m.id)).toMatchObject({ kind: 'text', text: 'stays' })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    expect(t.events.of('message:withdraw-failed')).toEqual([])
  })

  it('offline: queues the command, sends it on reconnect, applies the ack', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'later')
    t.link.drop()
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'queued' })
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('text')
    expect(listOutbox(t.core.testing.db)).toMatchObject([{ kind: 'cmd', messageId: m.id, transmitted: false }])

    t.link.welcome('alice')
    const cmd = lastCmd(t)
    expect(cmd.ext.msgId).toBe(m.id)
    t.link.deliver({ type: 'ack', id: cmd.id, ts: serverTs() })
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
    expect(t.events.of('message:withdrawn')).toHaveLength(1)
  })

  it('offline: a later refusal is announced as message:withdraw-failed', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'too old by then')
    t.link.drop()
    unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))
    t.link.welcome('alice')
    t.link.deliver({ type: 'error', id: lastCmd(t).id, code: 'RECALL_TIME_LIMIT', message: 'window passed' })
    expect(t.events.of('message:withdraw-failed')).toEqual([
      { messageId: m.id, error: { code: 'RECALL_TIME_LIMIT', message: 'window passed' } },
    ])
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('text')
    expect(listOutbox(t.core.testing.db)).toEqual([])
  })

  it('maybe transmitted, not acked: the send stays queued ahead of the withdraw, so the command finds what it withdraws', async () => {
    // The send's frame may still be on its way on the dropped connection: were only the
    // command resent, the server could answer NOT_FOUND and store the message afterwards.
    const t = await alice()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'in flight' }))
    t.link.drop()
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'queued' })
    expect(listOutbox(t.core.testing.db)).toMatchObject([
      { kind: 'send', messageId: m.id },
      { kind: 'cmd', messageId: m.id },
    ])

    t.link.clearSent()
    t.link.welcome('alice')
    expect(t.link.sent.map((f) => f.type)).toEqual(['send', 'cmd'])
    t.link.deliver({ type: 'ack', id: m.id, ts: serverTs() })
    t.link.deliver({ type: 'ack', id: lastCmd(t).id, ts: serverTs() })
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
    expect(listOutbox(t.core.testing.db)).toEqual([])
  })

  it('a withdraw of a send the server refused: cancelled locally, it never reached anyone', async () => {
    const t = await alice()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'refused' }))
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    // answers come in the order of the frames: the send's refusal, then the command's
    t.link.deliver({ type: 'error', id: m.id, code: 'NOT_MEMBER', message: 'not a member' })
    t.link.deliver({ type: 'error', id: lastCmd(t).id, code: 'NOT_FOUND', message: 'unknown message' })
    expect(unwrap(await pending)).toEqual({ outcome: 'cancelled' })
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
    expect(listOutbox(t.core.testing.db)).toEqual([])
  })

  it('keeps the re-edit draft when the relayed command overtakes the ack', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'overtaken')
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    const cmd = lastCmd(t)
    t.link.event(cmdEvent('alice', messageEvent('alice', 'bob', 'x', { id: m.id, ts: m.ts })))
    t.link.deliver({ type: 'ack', id: cmd.id, ts: serverTs() })
    expect(unwrap(await pending)).toEqual({ outcome: 'withdrawn' })
    expect(unwrap(await t.core.handlers.reEdit({ messageId: m.id }))).toEqual({ text: 'overtaken' })
    expect(t.events.of('message:withdrawn')).toHaveLength(1)
    expect(listOutbox(t.core.testing.db)).toEqual([])
  })

  it('answers queued when the connection drops while waiting', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'limbo')
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    t.link.drop()
    expect(unwrap(await pending)).toEqual({ outcome: 'queued' })
    expect(listOutbox(t.core.testing.db)).toMatchObject([{ kind: 'cmd' }])
    // It went out before the disk had it; 'queued' comes only once it is synced: checkpointed
    // into the database file itself, which holds it without the WAL.
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-queued-')), 'copy.db')
    fs.copyFileSync(t.core.testing.db.name, copy)
    const file = new Database(copy, { readonly: true })
    try {
      expect(listOutbox(file)).toMatchObject([{ kind: 'cmd', messageId: m.id }])
    } finally {
      file.close()
      fs.rmSync(path.dirname(copy), { recursive: true, force: true })
    }
  })

  it('refuses other people’s messages and unknown ids', async () => {
    const t = await alice()
    const theirs = messageEvent('bob', 'alice', 'bob wrote this')
    t.link.event(theirs)
    expect(await t.core.handlers.withdrawMessage({ messageId: theirs.id })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    expect(await t.core.handlers.withdrawMessage({ messageId: messageEvent('a_b', 'c_d', 'x').id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    })
    expect(t.link.framesOf('cmd')).toEqual([])
  })

  it('forgets the re-edit text after five minutes', async () => {
    const t = await alice()
    const m = await sentMessage(t, 'short-lived draft')
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    t.link.deliver({ type: 'ack', id: lastCmd(t).id, ts: serverTs() })
    await pending
    t.events.clear()
    t.clock.now += REEDIT_KEEP_MS
    expect(await t.core.handlers.reEdit({ messageId: m.id })).toMatchObject({ ok: false, error: { code: 'REEDIT_EXPIRED' } })
    expect(t.core.testing.db.prepare('SELECT count(*) FROM reedit_drafts').pluck().get()).toBe(0)
    expect(t.events.of('message:updated')[0]!.message).toMatchObject({ id: m.id, notice: { canReEdit: false } })
  })
})
