import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { RECEIVER_GRACE_MS } from '../../../shared/withdraw-rules'
import { getConversation } from '../db/queries/conversations'
import { getMessage, searchMessageIds } from '../db/queries/messages'
import { getTombstone } from '../db/queries/tombstones'
import { cmdEvent, lastAck, messageEvent, unwrap, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
const bob = () => cores.signedIn('bob')

const conv = directConversationId('alice', 'bob')

function expectUntouched(t: TestCore, id: string, text: string): void {
  expect(getMessage(t.core.testing.db, id)).toMatchObject({ kind: 'text', text })
  expect(getTombstone(t.core.testing.db, id)).toBeNull()
  expect(t.events.of('message:withdrawn')).toEqual([])
}

describe('withdraw on the receiving device', () => {
  it('deletes the message and its search entry, leaves a notice and a tombstone, fixes preview and unread', async () => {
    const t = await bob()
    const keep = messageEvent('alice', 'bob', 'stays here')
    const gone = messageEvent('alice', 'bob', 'withdrawable words')
    t.link.event(keep)
    t.link.event(gone)
    expect(getConversation(t.core.testing.db, conv)!.unread).toBe(2)

    const cmd = cmdEvent('alice', gone, { ext: { msgId: gone.id, reason: 'wrong chat' } })
    const seq = t.link.event(cmd)
    const db = t.core.testing.db
    expect(getMessage(db, gone.id)).toMatchObject({ kind: 'notice', text: null, ts: gone.ts, noticeActor: 'alice', noticeReason: 'wrong chat' })
    expect(searchMessageIds(db, 'withdrawable')).toEqual([])
    expect(getTombstone(db, gone.id)).toMatchObject({ status: 'applied', by: 'alice', author: 'alice', at: cmd.ts })
    expect(getConversation(db, conv)).toMatchObject({ unread: 1, lastMessageId: gone.id })

    const [withdrawn] = t.events.of('message:withdrawn')
    expect(withdrawn).toEqual({
      conversationId: conv,
      messageId: gone.id,
      notice: expect.objectContaining({
        id: gone.id,
        kind: 'notice',
        text: null,
        mine: false,
        notice: { type: 'withdrawn', actor: 'alice', author: 'alice', reason: 'wrong chat', canReEdit: false },
      }),
    })
    expect(t.events.of('conversation:changed').at(-1)!.conversation).toMatchObject({ unread: 1, lastMessage: { id: gone.id, kind: 'notice' } })
    await waitFor(() => lastAck(t) === seq)
    expect(getMessage(db, keep.id)).toMatchObject({ kind: 'text', text: 'stays here' })
  })

  it('ignores a withdraw by anyone but the author, and still acknowledges it', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'mine to keep')
    t.link.event(m)
    const byMe = t.link.event(cmdEvent('bob', m))
    const byStranger = t.link.event(cmdEvent('carol', m))
    expectUntouched(t, m.id, 'mine to keep')
    expect(byStranger).toBeGreaterThan(byMe)
    await waitFor(() => lastAck(t) === byStranger)
  })

  it('ignores a withdraw that names another conversation than the message is in', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'here')
    t.link.event(m)
    t.link.event(cmdEvent('alice', m, { conversationId: directConversationId('bob', 'carol') }))
    expectUntouched(t, m.id, 'here')
  })

  it('accepts a withdraw within the window plus grace, and ignores one after it', async () => {
    const t = await bob()
    const late = messageEvent('alice', 'bob', 'too late')
    const inGrace = messageEvent('alice', 'bob', 'just in time')
    t.link.event(late)
    t.link.event(inGrace)
    t.link.event(cmdEvent('alice', late, { ts: late.ts + 120_000 + RECEIVER_GRACE_MS + 1 }))
    expectUntouched(t, late.id, 'too late')
    t.link.event(cmdEvent('alice', inGrace, { ts: inGrace.ts + 120_000 + RECEIVER_GRACE_MS }))
    expect(getMessage(t.core.testing.db, inGrace.id)!.kind).toBe('notice')
  })

  it('treats a repeated withdraw as a no-op', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'twice')
    t.link.event(m)
    const cmd = cmdEvent('alice', m)
    t.link.event(cmd)
    t.link.event(cmd)
    t.link.event(cmdEvent('alice', m))
    expect(t.events.of('message:withdrawn')).toHaveLength(1)
    // And the message itself, replayed, stays gone.
    t.link.event(m)
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
    expect(t.events.of('message:added')).toHaveLength(1)
  })

  it('withdraw before message: shows the notice at once and never shows the message', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'never seen')
    t.link.event(cmdEvent('alice', m))
    const db = t.core.testing.db
    expect(getTombstone(db, m.id)!.status).toBe('pending')
    expect(getMessage(db, m.id)).toMatchObject({ kind: 'notice', ts: m.ts })
    expect(t.events.of('message:withdrawn')).toHaveLength(1)
    expect(getConversation(db, conv)).toMatchObject({ unread: 0, lastMessageId: m.id })

    t.link.event(m)
    expect(getMessage(db, m.id)!.kind).toBe('notice')
    expect(searchMessageIds(db, 'never seen')).toEqual([])
    expect(getTombstone(db, m.id)!.status).toBe('applied')
    expect(t.events.of('message:added')).toEqual([])
  })

  it('a forged early withdraw (actor is not the attested author) shows nothing and does not block the message', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'forgery target')
    t.link.event(cmdEvent('bob', m))
    expect(getMessage(t.core.testing.db, m.id)).toBeNull()
    expect(t.events.of('message:withdrawn')).toEqual([])
    t.link.event(m)
    expectUntouched(t, m.id, 'forgery target')
  })

  it('an early withdraw whose attested author does not match the real message is discarded', async () => {
    const t = await bob()
    const m = messageEvent('alice', 'bob', 'real author is alice')
    // Claims the message was bob's, withdrawn by bob: the notice shows, but the real message is alice's.
    t.link.event(cmdEvent('bob', m, { target: { from: 'bob', ts: m.ts } }))
    expect(getMessage(t.core.testing.db, m.id)!.kind).toBe('notice')
    t.link.event(m)
    expect(getMessage(t.core.testing.db, m.id)).toMatchObject({ kind: 'text', text: 'real author is alice' })
    expect(getTombstone(t.core.testing.db, m.id)).toBeNull()
    expect(t.events.of('message:added')).toHaveLength(1)
  })

  it('my other device withdrew my message: my copy goes, without a re-edit draft', async () => {
    const t = await bob()
    const mine = messageEvent('bob', 'alice', 'sent from my laptop')
    t.link.event(mine)
    t.link.event(cmdEvent('bob', mine))
    const [w] = t.events.of('message:withdrawn')
    expect(w!.notice).toMatchObject({ mine: true, notice: { actor: 'bob', author: 'bob', canReEdit: false } })
    expect(await t.core.handlers.reEdit({ messageId: mine.id })).toMatchObject({ ok: false, error: { code: 'REEDIT_EXPIRED' } })
  })

  it('lists the notice in place of the message', async () => {
    const t = await bob()
    const a = messageEvent('alice', 'bob', 'a')
    const b = messageEvent('alice', 'bob', 'b')
    const c = messageEvent('alice', 'bob', 'c')
    for (const e of [a, b, c]) t.link.event(e)
    t.link.event(cmdEvent('alice', b))
    const page = unwrap(await t.core.handlers.listMessages({ conversationId: conv }))
    expect(page.map((m) => [m.id, m.kind])).toEqual([
      [a.id, 'text'],
      [b.id, 'notice'],
      [c.id, 'text'],
    ])
  })
})
