/**
 * Replies, search and sign-out-everywhere over the real server: a withdraw reaches every
 * quote of the message on every device (one that signs in later too), and the search
 * index of every device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ok,
  signedInClient,
  signedUpClient,
  twoClients,
  uniqueName,
  type TestClient,
  type TwoClients,
} from '../helpers/client'
import type { ServerProcess } from '../helpers/server-process'
import { expectNoTrace, marker } from '../helpers/trace'
import { waitFor } from '../helpers/wait'

let server: ServerProcess
let alice: TestClient
let bob: TestClient
let conv: string
let names: TwoClients['names']
const extra: TestClient[] = []

beforeAll(async () => {
  ;({ server, alice, bob, names, conv } = await twoClients())
})

afterAll(async () => {
  for (const c of [alice, bob, ...extra]) await c?.dispose()
  await server?.dispose()
})

async function quoteOf(c: TestClient, replyId: string) {
  const page = ok(await c.h.listMessages({ conversationId: conv }))
  return page.find((m) => m.id === replyId)?.replyTo ?? null
}

describe('a withdrawn message that was quoted and searchable', () => {
  it('disappears from every quote and every search, on every device, including one that syncs later', async () => {
    const secret = marker('quoted')
    const chinese = `会议纪要${secret.slice(-6)}`
    const original = ok(await alice.h.sendMessage({ conversationId: conv, text: `${secret} ${chinese}` }))
    await bob.waitForEvent('message:added', (e) => e.message.id === original.id)
    const reply = ok(await bob.h.sendMessage({ conversationId: conv, text: 'noted', replyTo: original.id }))
    expect(reply.replyTo).toMatchObject({ state: 'available', sender: names.alice })
    await alice.waitForEvent('message:added', (e) => e.message.id === reply.id && e.message.replyTo?.state === 'available')

    for (const c of [alice, bob]) {
      expect(ok(await c.h.searchMessages({ query: secret })).messages.map((m) => m.id)).toEqual([original.id])
      expect(ok(await c.h.searchMessages({ query: chinese })).messages.map((m) => m.id)).toEqual([original.id])
    }

    expect(ok(await alice.h.withdrawMessage({ messageId: original.id })).outcome).toBe('withdrawn')
    await bob.waitForEvent('message:withdrawn', (e) => e.messageId === original.id)
    for (const c of [alice, bob]) {
      await waitFor(async () => (await quoteOf(c, reply.id))?.state === 'withdrawn', { what: 'quote withdrawn' })
      expect(ok(await c.h.searchMessages({ query: secret })).messages).toEqual([])
      expect(ok(await c.h.searchMessages({ query: chinese })).messages).toEqual([])
      expect(ok(await c.h.searchMessages({ query: '纪要', conversationId: conv })).messages).toEqual([])
    }
    // The live update reached the reply on Bob's screen.
    expect(bob.events.find('message:updated', (e) => e.message.id === reply.id && e.message.replyTo?.state === 'withdrawn')).toBeTruthy()

    // A new device of Bob's gets the reply from the server's log, after the original was purged.
    const bobLaptop = await signedInClient(server.url, names.bob)
    extra.push(bobLaptop)
    await bobLaptop.waitForEvent('message:added', (e) => e.message.id === reply.id)
    await waitFor(async () => (await quoteOf(bobLaptop, reply.id))?.state === 'withdrawn', { what: 'quote withdrawn on the new device' })
    expect(ok(await bobLaptop.h.searchMessages({ query: secret })).messages).toEqual([])

    // Alice keeps her text for Re-edit a while; Bob's devices keep nothing of it.
    for (const c of [bob, bobLaptop]) await expectNoTrace(c.profileDir, secret)
  })
})

describe('sign out everywhere', () => {
  it('ends the sessions of every device of the account', async () => {
    const carol = uniqueName('carol')
    const phone = await signedUpClient(server.url, carol)
    const laptop = await signedInClient(server.url, carol)
    extra.push(phone, laptop)
    ok(await phone.h.signOutEverywhere({}))
    expect(ok(await phone.h.getSession({})).user).toBeNull()
    // The server closes the laptop's socket with 4001: it is signed out too.
    await laptop.waitForEvent('session:changed', (e) => e.user === null)
    expect(ok(await laptop.h.getSession({})).user).toBeNull()
  })
})
