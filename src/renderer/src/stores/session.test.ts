// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { fail, ok } from '../../../shared/bridge'
import { createFakeBridge, sessionView } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { normalizeUsername } from '../../../shared/protocol'
import { checkCredentials, useSessionStore } from './session'

describe('useSessionStore', () => {
  it('loads the session state from main', async () => {
    const bridge = createFakeBridge({
      getSession: () => ok(sessionView({ user: 'alice', recallWindowSeconds: 60, serverClockOffsetMs: 1500 })),
    })
    createTestContext(bridge)
    const session = useSessionStore()
    expect(session.ready).toBe(false)
    await session.load()
    expect(session).toMatchObject({ ready: true, user: 'alice', recallWindowSeconds: 60, serverClockOffsetMs: 1500 })
  })

  it('is ready (signed out) even when main cannot answer', async () => {
    const { bridge } = createTestContext(createFakeBridge({ getSession: () => fail('SERVER_UNREACHABLE', 'down') }))
    const session = useSessionStore()
    const result = await session.load()
    expect(result.ok).toBe(false)
    expect(session.ready).toBe(true)
    expect(session.user).toBeNull()
    expect(bridge.callsTo('getSession')).toHaveLength(1)
  })

  it('normalizes the username before signing in and then reloads the session', async () => {
    const { bridge } = createTestContext()
    bridge.handlers.getSession = () => ok(sessionView({ user: 'alice' }))
    const session = useSessionStore()
    const result = await session.signIn('  Alice ', 'correct horse')
    expect(result).toEqual({ ok: true, value: { username: 'alice' } })
    expect(bridge.callsTo('signIn')).toEqual([{ username: 'alice', password: 'correct horse' }])
    expect(bridge.callsTo('getSession')).toHaveLength(1)
    expect(session.user).toBe('alice')
  })

  it('refuses invalid usernames and short sign-up passwords without calling main', async () => {
    const { bridge } = createTestContext()
    const session = useSessionStore()
    expect(await session.signIn('a', 'whatever1')).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } })
    expect(await session.signUp('alice', 'short')).toMatchObject({ ok: false, error: { code: 'WEAK_PASSWORD' } })
    expect(bridge.calls).toHaveLength(0)
  })

  it('returns main errors as they are', async () => {
    createTestContext(createFakeBridge({ signUp: () => fail('USERNAME_TAKEN', 'taken') }))
    const session = useSessionStore()
    expect(await session.signUp('alice', 'long enough')).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } })
    expect(session.user).toBeNull()
    expect(session.busy).toBe(false)
  })

  it('follows connection and session events', async () => {
    const { bridge } = createTestContext()
    const session = useSessionStore()
    bridge.emit('connection:changed', { state: 'offline', detail: 'ECONNREFUSED' })
    expect(session.connection).toBe('offline')
    expect(session.connectionDetail).toBe('ECONNREFUSED')

    bridge.handlers.getSession = () => ok(sessionView({ user: 'alice', recallWindowSeconds: 30 }))
    bridge.emit('connection:changed', { state: 'online', detail: null })
    expect(session.connection).toBe('online')
    await flushPromises()
    expect(session.recallWindowSeconds).toBe(30)

    bridge.emit('session:changed', { user: null })
    expect(session.user).toBeNull()
    expect(session.signedOutUnexpectedly).toBe(true)
  })

  it('a sign-out from this window is not reported as unexpected', async () => {
    const { bridge } = createTestContext()
    const session = useSessionStore()
    session.user = 'alice'
    bridge.handlers.signOut = () => {
      bridge.emit('session:changed', { user: null })
      return ok(null)
    }
    await session.signOut()
    expect(session.user).toBeNull()
    expect(session.signedOutUnexpectedly).toBe(false)
  })

  it('shows offline while the link to main is down and resyncs when it returns', async () => {
    const { bridge } = createTestContext()
    const session = useSessionStore()
    session.connection = 'online'
    session.setLink({ state: 'connecting', attempt: 0, problem: null })
    expect(session.effectiveConnection).toBe('connecting')
    session.setLink({ state: 'up', attempt: 0, problem: null })
    expect(session.resyncCount).toBe(0) // the first connection is not a resync

    session.setLink({ state: 'down', attempt: 1, problem: 'CLOSED' })
    expect(session.effectiveConnection).toBe('offline')
    session.setLink({ state: 'connecting', attempt: 1, problem: null })
    session.setLink({ state: 'up', attempt: 0, problem: null })
    expect(session.resyncCount).toBe(1)
    expect(session.effectiveConnection).toBe('online')
    expect(bridge.callsTo('getSession')).toHaveLength(1)
  })
})

describe('credential helpers', () => {
  it('normalizes and checks', () => {
    expect(normalizeUsername('  Bob_1 ')).toBe('bob_1')
    expect(checkCredentials('bob', '', false)).toBeNull()
    expect(checkCredentials('bob', '1234567', true)?.code).toBe('WEAK_PASSWORD')
    expect(checkCredentials('b-b', '12345678', true)?.code).toBe('INVALID_USERNAME')
  })
})
