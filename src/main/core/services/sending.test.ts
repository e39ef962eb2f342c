import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { getMessage } from '../db/queries/messages'
import { listOutbox } from '../db/queries/outbox'
import { messageEvent, serverTs, unwrap } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
const alice = () => cores.signedIn('alice')

const conv = directConversationId('alice', 'bob')

describe('sending', () => {
  it('stores my message as sending with an outbox row, transmits it, and marks it sent on ack', async () => {
    const t = await alice()
    const view = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'hello bob' }))
    expect(view).toMatchObject({ conversationId: conv, sender: 'alice', mine: true, kind: 'text', text: 'hello bob', state: 'sending' })
    expect(t.events.of('message:added').map((e) => e.message.id)).toEqual([view.id])
    expect(t.events.of('conversation:changed').at(-1)!.conversation).toMatchObject({ id: conv, peer: 'bob' })
    expect(listOutbox(t.core.testing.db)).toMatchObject([{ id: view.id, kind: 'send', transmitted: true }])
    expect(t.link.framesOf('send')).toEqual([{ type: 'send', id: view.id, conversationId: conv, text: 'hello bob' }])

    const ts = serverTs()
    t.link.deliver({ type: 'ack', id: view.id, ts })
    expect(getMessage(t.core.testing.db, view.id)).toMatchObject({ state: 'sent', ts })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    expect(t.events.of('message:updated').at(-1)!.message).toMatchObject({ id: view.id, state: 'sent', ts })
  })

  it('queues while offline and sends the whole outbox in order on (re)connect', async () => {
    const t = await alice()
    t.link.drop()
    const ids: string[] = []
    for (const text of ['one', 'two', 'three']) ids.push(unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text })).id)
    expect(t.link.sent).toEqual([])
    expect(listOutbox(t.core.testing.db).every((e) => !e.transmitted)).toBe(true)

    t.link.welcome('alice')
    expect(t.link.framesOf('send').map((f) => f.id)).toEqual(ids)
    expect(listOutbox(t.core.testing.db).every((e) => e.transmitted)).toBe(true)

    // Acks lost with the connection: everything goes again, in the same order.
    t.link.drop()
    t.link.clearSent()
    t.link.welcome('alice')
    expect(t.link.framesOf('send').map((f) => f.text)).toEqual(['one', 'two', 'three'])
  })

  it('keeps the outbox across a restart of the core', async () => {
    let t = await alice()
    t.link.drop()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'survives' }))
    cores.pop()
    t = await t.reopen()
    cores.push(t)
    await t.core.start()
    expect(t.link.token).not.toBeNull()
    t.link.welcome('alice')
    expect(t.link.framesOf('send')).toEqual([{ type: 'send', id: m.id, conversationId: conv, text: 'survives' }])
  })

  it('treats my own message echoed back from my log as its ack', async () => {
    const t = await alice()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'echo' }))
    t.events.clear()
    const ts = serverTs()
    t.link.event(messageEvent('alice', 'bob', 'echo', { id: m.id, ts }))
    expect(getMessage(t.core.testing.db, m.id)).toMatchObject({ state: 'sent', ts })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    expect(t.events.of('message:added')).toEqual([])
    // A later ack changes nothing more.
    t.link.deliver({ type: 'ack', id: m.id, ts, duplicate: true })
    expect(t.events.of('message:updated')).toHaveLength(1)
  })

  it('marks delivered on a receipt and never goes back to sent', async () => {
    const t = await alice()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'x' }))
    t.link.event({ kind: 'receipt', msgId: m.id, conversationId: conv, state: 'delivered', ts: serverTs() })
    expect(getMessage(t.core.testing.db, m.id)!.state).toBe('delivered')
    t.link.deliver({ type: 'ack', id: m.id, ts: serverTs() })
    expect(getMessage(t.core.testing.db, m.id)!.state).toBe('delivered')
    expect(listOutbox(t.core.testing.db)).toEqual([])
  })

  it('drops a resend the server refuses as WITHDRAWN, and fails one it can never take', async () => {
    const t = await alice()
    const a = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'a' }))
    const b = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'b' }))
    t.link.deliver({ type: 'error', id: a.id, code: 'WITHDRAWN', message: 'withdrawn' })
    t.link.deliver({ type: 'error', id: b.id, code: 'USER_NOT_FOUND', message: 'no bob' })
    expect(listOutbox(t.core.testing.db)).toEqual([])
    expect(getMessage(t.core.testing.db, b.id)!.state).toBe('failed')
    expect(t.events.of('message:updated').at(-1)!.message).toMatchObject({ id: b.id, state: 'failed' })
  })

  it('keeps a send the server could not take right now', async () => {
    const t = await alice()
    const a = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'a' }))
    t.link.deliver({ type: 'error', id: a.id, code: 'RATE_LIMITED', message: 'slow down' })
    expect(listOutbox(t.core.testing.db).map((e) => e.id)).toEqual([a.id])
    expect(getMessage(t.core.testing.db, a.id)!.state).toBe('sending')
  })

  it('refuses empty text, foreign conversations, and sending while signed out', async () => {
    const t = await alice()
    expect(await t.core.handlers.sendMessage({ conversationId: conv, text: '  \n ' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } })
    expect(await t.core.handlers.sendMessage({ conversationId: 'dm:bob:carol', text: 'hi' })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    unwrap(await t.core.handlers.signOut({}))
    expect(await t.core.handlers.sendMessage({ conversationId: conv, text: 'hi' })).toMatchObject({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
  })
})
