/**
 * Two people chatting through the real server, each client with its own database:
 * ordering, offline delivery, a server restart, a client restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MessageView } from '../../src/shared/bridge'
import { directConversationId } from '../../src/shared/protocol'
import {
  connectionState,
  ok,
  outboxSize,
  PASSWORD,
  RECONNECT_TIMEOUT_MS,
  signedInClient,
  storedMessages,
  twoClients,
  waitOnline,
  type TestClient,
  type TwoClients,
} from '../helpers/client'
import type { ServerProcess } from '../helpers/server-process'
import { waitFor } from '../helpers/wait'

let server: ServerProcess
let alice: TestClient
let bob: TestClient
let conv: string
let names: TwoClients['names']
const extra: TestClient[] = []

beforeAll(async () => {
  ;({ server, alice, bob, names, conv } = await twoClients())
  expect(conv).toBe(directConversationId(names.alice, names.bob))
})

afterAll(async () => {
  for (const c of [...extra, alice, bob]) await c?.dispose()
  await server?.dispose()
})

async function send(from: TestClient, text: string): Promise<MessageView> {
  return ok(await from.h.sendMessage({ conversationId: conv, text }))
}

function texts(profileDir: string): string[] {
  return storedMessages(profileDir, conv).map((m) => m.text ?? `<${m.kind}>`)
}

/** Until the profile holds exactly these texts (as a subsequence of the whole conversation). */
async function waitForTexts(c: TestClient, expected: string[], timeoutMs?: number): Promise<void> {
  await waitFor(() => expected.every((t) => texts(c.profileDir).includes(t)), { what: `${expected.length} messages`, timeoutMs })
  const stored = texts(c.profileDir).filter((t) => expected.includes(t))
  expect(stored).toEqual(expected)
}

describe('1:1 chat against the real server', () => {
  it('carries messages both ways, in order, and both databases agree', async () => {
    const fromAlice = ['a1', 'a2', 'a3', 'a4', 'a5'].map((t) => `${t} ${names.alice}`)
    const fromBob = ['b1', 'b2', 'b3', 'b4', 'b5'].map((t) => `${t} ${names.bob}`)
    // Both type at once.
    await Promise.all([
      (async () => {
        for (const t of fromAlice) await send(alice, t)
      })(),
      (async () => {
        for (const t of fromBob) await send(bob, t)
      })(),
    ])
    await waitForTexts(bob, fromAlice)
    await waitForTexts(alice, fromBob)
    await waitForTexts(alice, fromAlice)
    await waitForTexts(bob, fromBob)

    // The server's timestamps order the conversation: both sides see the same sequence.
    await waitFor(() => storedMessages(alice.profileDir, conv).every((m) => m.state !== 'sending'))
    const a = storedMessages(alice.profileDir, conv).map((m) => [m.id, m.ts, m.text])
    const b = storedMessages(bob.profileDir, conv).map((m) => [m.id, m.ts, m.text])
    expect(a).toEqual(b)
    expect(new Set(a.map(([id]) => id)).size).toBe(a.length)

    // My messages end up delivered (the other device acknowledged them).
    await waitFor(() =>
      storedMessages(alice.profileDir, conv)
        .filter((m) => m.sender === names.alice)
        .every((m) => m.state === 'delivered'),
    )
    const [c] = ok(await bob.h.listConversations({}))
    expect(c).toMatchObject({ id: conv, peer: names.alice })
    expect(c!.unread).toBeGreaterThanOrEqual(5)
    ok(await bob.h.markRead({ conversationId: conv }))
    expect(ok(await bob.h.listConversations({}))[0]!.unread).toBe(0)
  })

  it('a receiver who was signed out gets everything, in order, on signing in', async () => {
    ok(await bob.h.signOut({}))
    const batch = Array.from({ length: 20 }, (_, i) => `while away ${i}`)
    for (const t of batch) await send(alice, t)
    await waitFor(() => outboxSize(alice.profileDir) === 0, { what: 'all acknowledged' })
    expect(texts(bob.profileDir).some((t) => batch.includes(t))).toBe(false)

    ok(await bob.h.signIn({ username: names.bob, password: PASSWORD }))
    await waitForTexts(bob, batch)

    // A brand-new device of Bob's gets the whole history too.
    const bobPhone = await signedInClient(server.url, names.bob)
    extra.push(bobPhone)
    await waitForTexts(bobPhone, batch)
    expect(storedMessages(bobPhone.profileDir, conv).map((m) => m.id)).toEqual(
      storedMessages(bob.profileDir, conv).map((m) => m.id),
    )
    await bobPhone.dispose()
    extra.pop()
  })

  it('server stopped and restarted: offline, queued, then delivered once, nothing lost', async () => {
    await server.stop()
    await waitFor(async () => (await connectionState(alice)) !== 'online', { what: 'alice offline' })
    await waitFor(async () => (await connectionState(bob)) !== 'online', { what: 'bob offline' })
    expect(alice.events.of('connection:changed').some((e) => e.state === 'offline')).toBe(true)

    const queued = ['queued 1', 'queued 2', 'queued 3', 'queued 4']
    const views = []
    for (const t of queued) views.push(await send(alice, t))
    expect(views.every((v) => v.state === 'sending')).toBe(true)
    const bobQueued = await send(bob, 'queued from bob')
    expect(outboxSize(alice.profileDir)).toBe(queued.length)

    await server.start()
    await waitOnline(alice)
    await waitOnline(bob)
    await waitForTexts(bob, queued, RECONNECT_TIMEOUT_MS)
    await waitForTexts(alice, ['queued from bob'], RECONNECT_TIMEOUT_MS)
    await waitFor(() => outboxSize(alice.profileDir) === 0 && outboxSize(bob.profileDir) === 0)

    for (const c of [alice, bob]) {
      const ids = storedMessages(c.profileDir, conv).map((m) => m.id)
      expect(new Set(ids).size).toBe(ids.length)
      for (const v of [...views, bobQueued]) expect(ids.filter((id) => id === v.id)).toHaveLength(1)
    }
    expect(storedMessages(bob.profileDir, conv).filter((m) => queued.includes(m.text ?? ''))).toHaveLength(queued.length)
  })

  it('client restarted: the session resumes and the outbox goes out', async () => {
    await server.stop()
    await waitFor(async () => (await connectionState(alice)) !== 'online')
    const pending = await send(alice, 'written before the restart')
    alice = await alice.restart()
    expect(ok(await alice.h.getSession({})).user).toBe(names.alice)
    expect(outboxSize(alice.profileDir)).toBe(1)

    await server.start()
    await waitOnline(alice)
    await waitForTexts(bob, ['written before the restart'], RECONNECT_TIMEOUT_MS)
    await waitFor(() => outboxSize(alice.profileDir) === 0)
    expect(storedMessages(bob.profileDir, conv).filter((m) => m.id === pending.id)).toHaveLength(1)

    // And the conversation still works both ways after all that.
    await send(bob, 'welcome back')
    await waitForTexts(alice, ['welcome back'])
  })
})
