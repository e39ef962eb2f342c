/**
 * Hostile texts travel literally: sent through the bridge by one real client core, through
 * the real server, stored by the other exactly as written (read from its database on disk).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dispatchInvoke, type MessageView, type Result } from '../../src/shared/bridge'
import { HOSTILE_TEXTS } from '../fixtures/hostile-texts'
import { ok, storedMessage, twoClients, type TestClient } from '../helpers/client'
import type { ServerProcess } from '../helpers/server-process'
import { waitFor } from '../helpers/wait'

let server: ServerProcess
let alice: TestClient
let bob: TestClient
let conversationId: string

beforeAll(async () => {
  ;({ server, alice, bob, conv: conversationId } = await twoClients())
})

afterAll(async () => {
  for (const c of [alice, bob]) await c?.dispose()
  await server?.dispose()
})

it('arrives and is stored exactly as written', async () => {
  const sent: MessageView[] = []
  for (const text of [...HOSTILE_TEXTS, 'lone \uD800 surrogate']) {
    const r = (await dispatchInvoke(alice.h, 'sendMessage', { conversationId, text }, (err) => {
      throw err
    })) as Result<MessageView>
    sent.push(ok(r))
  }
  for (const m of sent) {
    await waitFor(() => storedMessage(bob.profileDir, m.id), { what: `message ${m.id} at bob`, timeoutMs: 30_000 })
    // the sender's copy, the wire and the receiver's copy agree; lone surrogates became U+FFFD on the way in
    expect(storedMessage(bob.profileDir, m.id)!.text).toBe(m.text)
    expect(storedMessage(alice.profileDir, m.id)!.text).toBe(m.text)
  }
  expect(sent.slice(0, HOSTILE_TEXTS.length).map((m) => m.text)).toEqual(HOSTILE_TEXTS)
  expect(sent.at(-1)!.text).toBe('lone \uFFFD surrogate')
})
