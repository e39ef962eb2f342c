import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { messageEvent, unwrap, type TestCore } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
const alice = () => cores.signedIn('alice')

function lastLookup(t: TestCore) {
  const f = t.link.framesOf('lookup').at(-1)
  if (!f) throw new Error('no lookup sent')
  return f
}

describe('conversations', () => {
  it('opens a 1:1 chat after the server confirms the user exists', async () => {
    const t = await alice()
    const pending = t.core.handlers.openDirect({ username: ' Bob ' })
    expect(lastLookup(t).username).toBe('bob')
    t.link.deliver({ type: 'lookup-result', id: lastLookup(t).id, username: 'bob', found: true })
    const c = unwrap(await pending)
    expect(c).toMatchObject({ id: directConversationId('alice', 'bob'), kind: 'direct', peer: 'bob', title: 'bob', lastMessage: null, unread: 0 })
    expect(t.events.of('conversation:changed').at(-1)!.conversation.id).toBe(c.id)
    // Known now: no second round trip, works offline too.
    t.link.drop()
    expect(unwrap(await t.core.handlers.openDirect({ username: 'bob' })).id).toBe(c.id)
  })

  it('refuses unknown users, bad names, myself, and offline lookups', async () => {
    const t = await alice()
    const h = t.core.handlers
    const pending = h.openDirect({ username: 'ghost' })
    t.link.deliver({ type: 'lookup-result', id: lastLookup(t).id, username: 'ghost', found: false })
    expect(await pending).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } })
    const viaError = h.openDirect({ username: 'ghost2' })
    t.link.deliver({ type: 'error', id: lastLookup(t).id, code: 'USER_NOT_FOUND', message: 'no' })
    expect(await viaError).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } })
    expect(await h.openDirect({ username: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } })
    expect(await h.openDirect({ username: 'ALICE' })).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } })
    t.link.drop()
    expect(await h.openDirect({ username: 'dave' })).toMatchObject({ ok: false, error: { code: 'OFFLINE' } })
    expect(unwrap(await h.listConversations({}))).toEqual([])
  })

  it('answers OFFLINE when the connection drops during the lookup', async () => {
    const t = await alice()
    const pending = t.core.handlers.openDirect({ username: 'bob' })
    t.link.drop()
    expect(await pending).toMatchObject({ ok: false, error: { code: 'OFFLINE' } })
  })

  it('lists most recent first, with preview and unread; markRead zeroes unread', async () => {
    const t = await alice()
    t.link.event(messageEvent('bob', 'alice', 'from bob'))
    t.link.event(messageEvent('carol', 'alice', 'from carol'))
    t.link.event(messageEvent('carol', 'alice', 'carol again'))
    const list = unwrap(await t.core.handlers.listConversations({}))
    expect(list.map((c) => [c.peer, c.unread, c.lastMessage?.text])).toEqual([
      ['carol', 2, 'carol again'],
      ['bob', 1, 'from bob'],
    ])
    unwrap(await t.core.handlers.markRead({ conversationId: directConversationId('alice', 'carol') }))
    expect(unwrap(await t.core.handlers.listConversations({}))[0]!.unread).toBe(0)
    expect(await t.core.handlers.markRead({ conversationId: directConversationId('alice', 'zed') })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    })
  })
})
