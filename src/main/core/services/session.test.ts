import { afterEach, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { getMeta, getSession } from '../db/queries/meta'
import { FakeAuth } from '../testing/fake-auth'
import { messageEvent, openTestCore, signedInCore, unwrap, type TestCore } from '../testing/harness'

const cores: TestCore[] = []
function track(t: TestCore): TestCore {
  cores.push(t)
  return t
}
afterEach(async () => {
  for (const t of cores.splice(0)) await t.dispose()
})

describe('session', () => {
  it('validates before asking the server: lowercased, trimmed username; strong password', async () => {
    const t = track(await openTestCore())
    const h = t.core.handlers
    expect(await h.signUp({ username: 'no', password: 'long enough' })).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } })
    expect(await h.signUp({ username: 'bad name!', password: 'long enough' })).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } })
    expect(await h.signUp({ username: 'alice', password: 'short' })).toMatchObject({ ok: false, error: { code: 'WEAK_PASSWORD' } })
    expect(unwrap(await h.signUp({ username: '  Alice ', password: 'long enough' }))).toEqual({ username: 'alice' })
    expect(t.auth.accounts.has('alice')).toBe(true)
    expect(t.events.of('session:changed')).toEqual([{ user: 'alice' }])
    expect(t.link.state).toBe('connecting')
  })

  it('passes the server’s refusals through as codes', async () => {
    const auth = new FakeAuth()
    auth.accounts.set('alice', 'correct horse battery')
    const t = track(await openTestCore({ auth }))
    const h = t.core.handlers
    expect(await h.signUp({ username: 'alice', password: 'whatever123' })).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } })
    expect(await h.signIn({ username: 'alice', password: 'wrong password' })).toMatchObject({ ok: false, error: { code: 'BAD_CREDENTIALS' } })
    expect(await h.signIn({ username: 'alice', password: 'short' })).toMatchObject({ ok: false, error: { code: 'BAD_CREDENTIALS' } })
    auth.unreachable = true
    expect(await h.signIn({ username: 'alice', password: 'correct horse battery' })).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
    expect(unwrap(await h.getSession({})).user).toBeNull()
  })

  it('reports the session and connection state', async () => {
    const t = track(await signedInCore('alice'))
    expect(unwrap(await t.core.handlers.getSession({}))).toMatchObject({ user: 'alice', connection: 'online', serverUrl: 'ws://127.0.0.1:9' })
    expect(t.events.of('connection:changed').map((e) => e.state)).toEqual(['connecting', 'online'])
  })

  it('resumes a stored session on start', async () => {
    const first = await signedInCore('alice')
    const t = track(await first.reopen())
    expect(t.link.state).toBe('offline')
    await t.core.start()
    expect(t.link.token).toBe(getSession(t.core.testing.db)!.token)
    expect(unwrap(await t.core.handlers.getSession({})).user).toBe('alice')
  })

  it('signs out: revokes the token, forgets the session, goes offline', async () => {
    const t = track(await signedInCore('alice'))
    const token = getSession(t.core.testing.db)!.token
    unwrap(await t.core.handlers.signOut({}))
    expect(t.auth.revoked).toEqual([token])
    expect(getSession(t.core.testing.db)).toBeNull()
    expect(t.link.state).toBe('offline')
    expect(t.events.of('session:changed').at(-1)).toEqual({ user: null })
    expect(await t.core.handlers.listConversations({})).toMatchObject({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
  })

  it('a token refused at upgrade ends the session', async () => {
    const t = track(await signedInCore('alice'))
    t.link.unauthorized()
    expect(getSession(t.core.testing.db)).toBeNull()
    expect(t.events.of('session:changed').at(-1)).toEqual({ user: null })
    expect(unwrap(await t.core.handlers.getSession({}))).toMatchObject({ user: null, connection: 'offline' })
  })

  it('a refusal of an older token does not end the current session', async () => {
    const t = track(await signedInCore('alice'))
    t.link.unauthorized('an-old-token-from-before-signing-in-again')
    expect(getSession(t.core.testing.db)).not.toBeNull()
    expect(unwrap(await t.core.handlers.getSession({})).user).toBe('alice')
  })

  it('keeps history for the same account, and clears it when another account signs in here', async () => {
    const t = track(await signedInCore('alice'))
    t.link.event(messageEvent('bob', 'alice', 'for alice only'))
    unwrap(await t.core.handlers.signOut({}))
    unwrap(await t.core.handlers.signIn({ username: 'alice', password: 'correct horse battery' }))
    t.link.welcome('alice')
    expect(unwrap(await t.core.handlers.listConversations({}))).toHaveLength(1)

    unwrap(await t.core.handlers.signOut({}))
    unwrap(await t.core.handlers.signUp({ username: 'carol', password: 'another password' }))
    t.link.welcome('carol')
    expect(unwrap(await t.core.handlers.listConversations({}))).toEqual([])
    expect(unwrap(await t.core.handlers.listMessages({ conversationId: directConversationId('alice', 'bob') }))).toEqual([])
    expect(getMeta(t.core.testing.db, 'account')).toBe('carol')
  })
})
