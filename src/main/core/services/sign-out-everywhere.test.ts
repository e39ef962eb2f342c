import { describe, expect, it } from 'vitest'
import { getSession } from '../db/queries/meta'
import { signedInCore, unwrap } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

describe('sign out everywhere', () => {
  it('revokes every session on the server, then signs out here', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    const token = t.link.token
    expect(unwrap(await t.core.handlers.signOutEverywhere({}))).toBeNull()
    expect(t.auth.revokedEverywhere).toEqual([token])
    expect(getSession(t.core.testing.db)).toBeNull()
    expect(t.events.of('session:changed').at(-1)).toEqual({ user: null })
    expect(t.link.state).toBe('offline')
  })

  it('keeps this device signed in when the server cannot be reached', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    t.auth.unreachable = true
    expect(await t.core.handlers.signOutEverywhere({})).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
    expect(getSession(t.core.testing.db)?.username).toBe('alice')
    expect(unwrap(await t.core.handlers.getSession({})).user).toBe('alice')
  })

  it('copes with the server closing the socket (4001) before its answer arrives', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    const token = t.link.token!
    const answer = t.core.handlers.signOutEverywhere({})
    t.link.unauthorized(token)
    expect(unwrap(await answer)).toBeNull()
    expect(t.events.of('session:changed').filter((e) => e.user === null)).toHaveLength(1)
  })

  it('needs a session', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    unwrap(await t.core.handlers.signOut({}))
    expect(await t.core.handlers.signOutEverywhere({})).toMatchObject({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
  })
})
