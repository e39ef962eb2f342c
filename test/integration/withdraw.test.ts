/**
 * Withdraw end to end: the real server enforcing who and when, real client databases
 * applying (or refusing) what it relays, and nothing of the text left on the receiver.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { MessageView } from '../../src/shared/bridge'
import { newId } from '../../src/shared/ids'
import type { CmdEvent, ServerFrame } from '../../src/shared/protocol'
import { getCursor, getSession } from '../../src/main/core/db/queries/meta'
import {
  connectionState,
  ok,
  outboxSize,
  readProfile,
  RECONNECT_TIMEOUT_MS,
  signedInClient,
  startClient,
  storedMessage,
  twoClients,
  uniqueName,
  waitOnline,
  type TestClient,
  type TwoClients,
} from '../helpers/client'
import { startHoldProxy } from '../helpers/hold-proxy'
import { ProtocolDevice } from '../helpers/protocol-device'
import type { ServerProcess } from '../helpers/server-process'
import { expectNoTrace, marker, traceOf } from '../helpers/trace'
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

afterEach(async () => {
  for (const c of extra.splice(0)) await c.dispose()
})

afterAll(async () => {
  for (const c of [alice, bob]) await c?.dispose()
  await server?.dispose()
})

/** Alice sends; resolves once Bob has it. */
async function deliver(text: string): Promise<MessageView> {
  const m = ok(await alice.h.sendMessage({ conversationId: conv, text }))
  await bob.waitForEvent('message:added', (e) => e.message.id === m.id)
  return m
}

async function acked(c: TestClient, id: string): Promise<void> {
  await waitFor(() => storedMessage(c.profileDir, id)?.state !== 'sending', { what: 'ack' })
}

function addedIds(c: TestClient): string[] {
  return c.events.of('message:added').map((e) => e.message.id)
}

/** A REVOKE_FLAG relay as the server would write it, for injection at a client's protocol layer. */
function relayedCmd(over: Partial<CmdEvent> & Pick<CmdEvent, 'from' | 'target' | 'ext'>): CmdEvent {
  return { kind: 'cmd', id: newId(), conversationId: conv, chatType: 'Chat', ts: Date.now(), action: 'REVOKE_FLAG', ...over }
}

/**
 * Inject an event under a seq the client already holds, so its acknowledgement cannot
 * move the server's cursor for this device past anything real.
 */
function inject(c: TestClient, event: CmdEvent): void {
  const seq = getCursor(c.core.testing.db)
  expect(seq).toBeGreaterThan(0)
  c.core.testing.injectServerFrame(JSON.stringify({ type: 'event', seq, event } satisfies ServerFrame))
}

describe('withdraw against the real server', () => {
  it('online receiver: the message is replaced by a notice everywhere, and its text is gone from the profile', async () => {
    const secret = marker()
    const m = await deliver(`look: ${secret}`)
    await acked(alice, m.id)
    expect(traceOf(bob.profileDir, secret).length).toBeGreaterThan(0)

    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    const w = await bob.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
    expect(w.notice).toMatchObject({ kind: 'notice', text: null, notice: { actor: names.alice, author: names.alice, canReEdit: false } })
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'notice', text: null })
    expect(storedMessage(alice.profileDir, m.id)).toMatchObject({ kind: 'notice', text: null })
    await expectNoTrace(bob.profileDir, secret)
    expect(ok(await alice.h.reEdit({ messageId: m.id }))).toEqual({ text: `look: ${secret}` })
    const [c] = ok(await bob.h.listConversations({}))
    expect(c!.lastMessage).toMatchObject({ id: m.id, kind: 'notice' })
  })

  it('receiver offline during send and withdraw: on return the notice arrives, the message never does', async () => {
    await bob.close()
    const secret = marker()
    const m = ok(await alice.h.sendMessage({ conversationId: conv, text: `offline ${secret}` }))
    await acked(alice, m.id)
    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })

    bob = await bob.restart()
    await bob.waitForEvent('message:withdrawn', (e) => e.messageId === m.id, { timeoutMs: RECONNECT_TIMEOUT_MS })
    const after = await deliver('after the withdraw')
    expect(addedIds(bob)).toEqual([after.id])
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'notice' })
    await expectNoTrace(bob.profileDir, secret)
  })

  it("the sender's other device deletes its copy too", async () => {
    const laptop = await signedInClient(server.url, names.alice)
    extra.push(laptop)
    const m = await deliver('from my phone')
    await laptop.waitForEvent('message:added', (e) => e.message.id === m.id)
    expect(laptop.events.find('message:added', (e) => e.message.id === m.id)!.message.mine).toBe(true)

    ok(await alice.h.withdrawMessage({ messageId: m.id }))
    const w = await laptop.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
    expect(w.notice).toMatchObject({ mine: true, notice: { actor: names.alice, canReEdit: false } })
    expect(storedMessage(laptop.profileDir, m.id)).toMatchObject({ kind: 'notice', text: null })
    expect(await laptop.h.reEdit({ messageId: m.id })).toMatchObject({ ok: false, error: { code: 'REEDIT_EXPIRED' } })
  })

  it('a withdraw that left the device but was never recorded there (the app died in between) still takes effect on it', async () => {
    // Online, the command goes out before its outbox row is committed (withdraw-sender.ts),
    // so a crash in between leaves the server's withdraw unknown to the device's disk.
    const secret = marker()
    const m = await deliver(`withdrawn by a command nobody recorded ${secret}`)
    await acked(alice, m.id)
    const { token } = readProfile(alice.profileDir, (db) => getSession(db))!
    await alice.close()
    // What the device wrote to its socket just before it died, from the same session and device.
    const device = await ProtocolDevice.connect(server.url, token)
    const cmd = { type: 'cmd', id: newId(), conversationId: conv, chatType: 'Chat', action: 'REVOKE_FLAG', ext: { msgId: m.id } }
    expect(await device!.request(cmd)).toMatchObject({ type: 'ack', id: cmd.id })
    device!.terminate()
    await bob.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)

    // The window: the device's own disk still shows the message, with nothing queued.
    expect(storedMessage(alice.profileDir, m.id)).toMatchObject({ kind: 'text' })
    expect(outboxSize(alice.profileDir)).toBe(0)

    // It heals as it catches up: the relayed command, from the user's own log, removes it.
    alice = await alice.restart()
    const w = await alice.waitForEvent('message:withdrawn', (e) => e.messageId === m.id, { timeoutMs: RECONNECT_TIMEOUT_MS })
    expect(w.notice).toMatchObject({ mine: true, notice: { actor: names.alice } })
    expect(storedMessage(alice.profileDir, m.id)).toMatchObject({ kind: 'notice', text: null })
    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    await expectNoTrace(alice.profileDir, secret)
  })

  it('a withdraw while the send is still on its way on a dropped connection: the command never overtakes it', async () => {
    // Found by the exactly-once fault run: the send's frame was still on the old
    // connection's path when the device reconnected and sent only the withdraw; the server
    // answered NOT_FOUND, the device cancelled the message, and the late send then stored it
    // and delivered it to the recipient — withdrawn on one screen, there on the other.
    const laptop = await signedInClient(server.url, names.alice)
    extra.push(laptop)
    const { token: laptopToken } = readProfile(laptop.profileDir, (db) => getSession(db))!
    await laptop.close()
    const proxy = await startHoldProxy(server.url)
    try {
      const phone = await signedInClient(proxy.url, names.alice)
      extra.push(phone)
      const secret = marker()
      const text = `held back ${secret}`
      proxy.holdCurrent()
      const m = ok(await phone.h.sendMessage({ conversationId: conv, text }))
      phone.core.testing.connection.restart('test: the network path changed')
      // while it is offline: the command is queued behind whatever the outbox still holds
      ok(await phone.h.withdrawMessage({ messageId: m.id }))
      await waitOnline(phone)
      await waitFor(() => outboxSize(phone.profileDir) === 0, { what: 'the outbox sent and answered' })
      expect(storedMessage(phone.profileDir, m.id)).toMatchObject({ kind: 'notice' })

      // The old copy of the send reaches the server only now. Here it comes through another
      // device of the same account (the old connection was replaced when the phone came
      // back): the server judges a send by its id, author and conversation, whatever carries it.
      const late = (await ProtocolDevice.connect(server.url, laptopToken))!
      expect(await late.request({ type: 'send', id: m.id, conversationId: conv, text })).toMatchObject({ type: 'error', code: 'WITHDRAWN' })
      late.terminate()

      const barrier = ok(await phone.h.sendMessage({ conversationId: conv, text: 'after the late copy' }))
      await bob.waitForEvent('message:added', (e) => e.message.id === barrier.id)
      expect(storedMessage(bob.profileDir, m.id)?.kind ?? 'never arrived').not.toBe('text')
      await expectNoTrace(bob.profileDir, secret)
    } finally {
      await proxy.close()
    }
  })

  it('withdraw before message: the receiver never shows the message', async () => {
    await bob.close()
    const secret = marker()
    const m = ok(await alice.h.sendMessage({ conversationId: conv, text: `early ${secret}` }))
    await acked(alice, m.id)
    const sent = storedMessage(alice.profileDir, m.id)!

    // Bob's app opens; before it connects, the relayed command reaches its protocol layer.
    bob = await startClient({ serverUrl: server.url, profileDir: bob.profileDir, start: false })
    inject(bob, relayedCmd({ from: names.alice, ext: { msgId: m.id }, target: { from: names.alice, ts: sent.ts } }))
    await bob.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)

    await bob.core.start()
    await waitOnline(bob)
    const barrier = await deliver('barrier')
    expect(addedIds(bob)).toEqual([barrier.id])
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'notice' })
    // It did arrive (before the barrier, in log order) and was dropped under the tombstone.
    expect(readProfile(bob.profileDir, (db) => db.prepare('SELECT status FROM tombstones WHERE msg_id = ?').pluck().get(m.id))).toBe(
      'applied',
    )

    // The real withdraw, when it comes, changes nothing more.
    ok(await alice.h.withdrawMessage({ messageId: m.id }))
    await deliver('second barrier')
    expect(bob.events.of('message:withdrawn').filter((e) => e.messageId === m.id)).toHaveLength(1)
    await expectNoTrace(bob.profileDir, secret)
  })

  it('a repeated withdraw gets the same answer and changes nothing', async () => {
    const m = await deliver('twice')
    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })

    // The same command straight to the server again: acknowledged as a duplicate.
    const frames: ServerFrame[] = []
    const off = alice.core.testing.onServerFrame((f) => frames.push(f))
    const again = { type: 'cmd', id: newId(), conversationId: conv, chatType: 'Chat', action: 'REVOKE_FLAG', ext: { msgId: m.id } } as const
    expect(alice.core.testing.sendRawFrame(again)).toBe(true)
    const answer = await waitFor(() => frames.find((f) => 'id' in f && f.id === again.id))
    off()
    expect(answer).toMatchObject({ type: 'ack', duplicate: true })

    await deliver('barrier after duplicates')
    expect(bob.events.of('message:withdrawn').filter((e) => e.messageId === m.id)).toHaveLength(1)
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'notice' })
  })

  it("a withdraw of Alice's message sent from Bob's connection is refused, and nothing is deleted", async () => {
    const m = await deliver('alice keeps this')
    expect(await bob.h.withdrawMessage({ messageId: m.id })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })

    const frames: ServerFrame[] = []
    const off = bob.core.testing.onServerFrame((f) => frames.push(f))
    const forged = { type: 'cmd', id: newId(), conversationId: conv, chatType: 'Chat', action: 'REVOKE_FLAG', ext: { msgId: m.id } } as const
    expect(bob.core.testing.sendRawFrame(forged)).toBe(true)
    const answer = await waitFor(() => frames.find((f) => 'id' in f && f.id === forged.id))
    off()
    expect(answer).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' })

    await deliver('barrier after the forgery')
    expect(storedMessage(alice.profileDir, m.id)).toMatchObject({ kind: 'text', text: 'alice keeps this' })
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'text', text: 'alice keeps this' })
    expect(alice.events.find('message:withdrawn', (e) => e.messageId === m.id)).toBeUndefined()
  })

  it('a crafted command from the wrong sender, injected at the receiver, is ignored', async () => {
    const m = await deliver('not yours to take')
    const sent = storedMessage(bob.profileDir, m.id)!
    const target = { from: names.alice, ts: sent.ts }
    inject(bob, relayedCmd({ from: names.bob, ext: { msgId: m.id }, target }))
    inject(bob, relayedCmd({ from: uniqueName('mallory'), ext: { msgId: m.id }, target }))
    inject(bob, relayedCmd({ from: names.alice, conversationId: `dm:${names.bob}:zzz_other`, ext: { msgId: m.id }, target }))
    await deliver('barrier after the crafted commands')
    expect(storedMessage(bob.profileDir, m.id)).toMatchObject({ kind: 'text', text: 'not yours to take' })
    expect(bob.events.find('message:withdrawn', (e) => e.messageId === m.id)).toBeUndefined()
  })

  it('withdrawing a message still in the outbox while the server is down: it never reaches anyone', async () => {
    await server.stop()
    await waitFor(async () => (await connectionState(alice)) !== 'online')
    const secret = marker()
    const m = ok(await alice.h.sendMessage({ conversationId: conv, text: `unsent ${secret}` }))
    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'cancelled' })
    expect(outboxSize(alice.profileDir)).toBe(0)

    await server.start()
    await waitOnline(alice)
    await waitOnline(bob)
    // Alice's outbox is ordered: had it gone out, it would arrive before this.
    await deliver('sent after the server came back')
    expect(bob.events.find('message:added', (e) => e.message.id === m.id)).toBeUndefined()
    expect(bob.events.find('message:withdrawn', (e) => e.messageId === m.id)).toBeUndefined()
    expect(storedMessage(bob.profileDir, m.id)).toBeUndefined()
    await expectNoTrace(bob.profileDir, secret)
    expect(server.log()).not.toContain(secret)
  })
})

describe('withdraw window', () => {
  it('after the window the server refuses with RECALL_TIME_LIMIT and both copies stay', async () => {
    const { server: shortWindow, alice: a, bob: b, conv: c } = await twoClients({ args: ['--recall-window-seconds', '1'] })
    try {
      const m = ok(await a.h.sendMessage({ conversationId: c, text: 'too late to take back' }))
      await b.waitForEvent('message:added', (e) => e.message.id === m.id)
      const stored = await waitFor(() => {
        const row = storedMessage(a.profileDir, m.id)
        return row?.state === 'sending' ? null : row
      })
      const sentAt = stored.ts
      await waitFor(() => Date.now() > sentAt + 1_000 + 100, { what: 'the 1 s window to pass' })

      expect(await a.h.withdrawMessage({ messageId: m.id })).toMatchObject({ ok: false, error: { code: 'RECALL_TIME_LIMIT' } })
      expect(storedMessage(a.profileDir, m.id)).toMatchObject({ kind: 'text' })
      expect(storedMessage(b.profileDir, m.id)).toMatchObject({ kind: 'text' })
      expect(outboxSize(a.profileDir)).toBe(0)
    } finally {
      await a.dispose()
      await b.dispose()
      await shortWindow.dispose()
    }
  })
})
