/**
 * A long catch-up shows how far it is: a new device of Bob's signs in to hundreds of
 * messages waiting for it, and its core announces the replay's progress to the UI, then
 * its end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SHOW_AFTER_EVENTS } from '../../src/main/core/services/sync-progress'
import { ok, outboxSize, signedInClient, twoClients, type TestClient, type TwoClients } from '../helpers/client'
import type { ServerProcess } from '../helpers/server-process'
import { waitFor } from '../helpers/wait'

let server: ServerProcess
let alice: TestClient
let bob: TestClient
let bobPhone: TestClient | null = null
let conv: string
let names: TwoClients['names']

beforeAll(async () => {
  ;({ server, alice, bob, names, conv } = await twoClients())
})

afterAll(async () => {
  for (const c of [bobPhone, alice, bob]) await c?.dispose()
  await server?.dispose()
})

describe('catch-up progress', () => {
  it('a new device syncing hundreds of events is told how far it got, then that it is done', async () => {
    const count = SHOW_AFTER_EVENTS + 40
    for (let i = 0; i < count; i++) ok(await alice.h.sendMessage({ conversationId: conv, text: `while you were away ${i}` }))
    // past the server's burst limit the outbox resends what was refused for now
    await waitFor(() => outboxSize(alice.profileDir) === 0, { what: 'every message on the server', timeoutMs: 60_000 })

    bobPhone = await signedInClient(server.url, names.bob)
    const done = await bobPhone.waitForEvent('sync:progress', (p) => p.done, { timeoutMs: 60_000 })
    const during = bobPhone.events.of('sync:progress').filter((p) => !p.done)
    expect(during.length).toBeGreaterThan(0)
    expect(during[0]!.applied).toBeGreaterThanOrEqual(SHOW_AFTER_EVENTS)
    expect(done.applied).toBeGreaterThanOrEqual(count)
    expect(done.upTo).toBeGreaterThanOrEqual(done.from)
  })
})
