import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { MessageView } from '../../../shared/bridge'
import { directConversationId } from '../../../shared/protocol'
import { QUOTE_PREVIEW_CHARS } from '../db/queries/messages'
import { cmdEvent, messageEvent, serverTs, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

async function core(username: string): Promise<TestCore> {
  const t = await signedInCore(username)
  cores.push(t)
  return t
}

const conv = directConversationId('alice', 'bob')

async function page(t: TestCore, conversationId = conv): Promise<MessageView[]> {
  return unwrap(await t.core.handlers.listMessages({ conversationId }))
}

const byId = (views: MessageView[], id: string): MessageView => views.find((m) => m.id === id)!

describe('sending a reply', () => {
  it('quotes the message from its own row and sends only its id', async () => {
    const t = await core('alice')
    const quoted = messageEvent('bob', 'alice', 'what time tomorrow?')
    t.link.event(quoted)
    const reply = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'ten', replyTo: quoted.id }))
    expect(reply.replyTo).toEqual({ id: quoted.id, state: 'available', sender: 'bob', text: 'what time tomorrow?' })
    expect(t.link.framesOf('send')).toEqual([{ type: 'send', id: reply.id, conversationId: conv, text: 'ten', replyTo: quoted.id }])
    // The reply's row holds the reference, never the quoted text.
    const row = t.core.testing.db.prepare('SELECT * FROM messages WHERE id = ?').get(reply.id) as Record<string, unknown>
    expect(JSON.stringify(row)).not.toContain('what time')
    expect(row.reply_to).toBe(quoted.id)
  })

  it('resends the reference from the outbox after reconnecting', async () => {
    const t = await core('alice')
    const quoted = messageEvent('bob', 'alice', 'ping')
    t.link.event(quoted)
    t.link.drop()
    const reply = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'pong', replyTo: quoted.id }))
    t.link.welcome('alice')
    expect(t.link.framesOf('send')).toEqual([expect.objectContaining({ id: reply.id, replyTo: quoted.id })])
  })

  it('refuses to quote a message of another conversation, an unknown one or a withdrawn one', async () => {
    const t = await core('alice')
    const elsewhere = messageEvent('carol', 'alice', 'in another chat')
    const withdrawn = messageEvent('bob', 'alice', 'taken back')
    t.link.event(elsewhere)
    t.link.event(withdrawn)
    t.link.event(cmdEvent('bob', withdrawn))
    for (const replyTo of [elsewhere.id, withdrawn.id, '01900000-0000-7000-8000-000000000000']) {
      expect(await t.core.handlers.sendMessage({ conversationId: conv, text: 'hm', replyTo })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      })
    }
    expect(t.link.framesOf('send')).toEqual([])
  })
})

describe('a quote whose message is withdrawn', () => {
  it('says so at once, in the live update and in every page after', async () => {
    const t = await core('bob')
    const quoted = messageEvent('alice', 'bob', 'meet at the old station')
    const reply = messageEvent('alice', 'bob', 'sorry, not there', { replyTo: quoted.id })
    t.link.event(quoted)
    t.link.event(reply)
    const mine = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: 'ok', replyTo: quoted.id }))
    expect(byId(await page(t), reply.id).replyTo).toEqual({ id: quoted.id, state: 'available', sender: 'alice', text: 'meet at the old station' })

    t.events.clear()
    t.link.event(cmdEvent('alice', quoted))
    const updated = t.events.of('message:updated').map((e) => e.message)
    expect(updated.find((m) => m.id === reply.id)?.replyTo).toEqual({ id: quoted.id, state: 'withdrawn', sender: null, text: null })
    expect(updated.find((m) => m.id === mine.id)?.replyTo).toMatchObject({ state: 'withdrawn' })
    expect(byId(await page(t), reply.id).replyTo).toEqual({ id: quoted.id, state: 'withdrawn', sender: null, text: null })
    expect(JSON.stringify(await page(t))).not.toContain('old station')
  })

  it('on a device that gets the reply only after the withdraw', async () => {
    // The server purged the quoted message from the log: this device sees the reply, then the withdraw.
    const t = await core('bob')
    const quoted = { ...messageEvent('alice', 'bob', 'never seen here'), ts: serverTs() }
    const reply = messageEvent('alice', 'bob', 'about that', { replyTo: quoted.id })
    t.link.event(reply)
    expect(byId(await page(t), reply.id).replyTo).toMatchObject({ state: 'missing', text: null })
    t.link.event(cmdEvent('alice', quoted))
    expect(byId(await page(t), reply.id).replyTo).toEqual({ id: quoted.id, state: 'withdrawn', sender: null, text: null })
    expect(t.events.of('message:updated').some((e) => e.message.id === reply.id && e.message.replyTo?.state === 'withdrawn')).toBe(true)
  })

  it('on a device that learns of the withdraw before the reply (withdraw recorded early)', async () => {
    const t = await core('bob')
    const quoted = messageEvent('alice', 'bob', 'early withdraw')
    t.link.event(cmdEvent('alice', quoted))
    const reply = messageEvent('alice', 'bob', 'later reply', { replyTo: quoted.id })
    t.link.event(reply)
    expect(byId(await page(t), reply.id).replyTo).toEqual({ id: quoted.id, state: 'withdrawn', sender: null, text: null })
  })

  it('leaves no trace of the quoted text in the profile', async () => {
    const t = await core('bob')
    const secret = `zq-${randomBytes(12).toString('hex')}`
    const quoted = messageEvent('alice', 'bob', `the code is ${secret}`)
    t.link.event(quoted)
    for (let i = 0; i < 5; i++) t.link.event(messageEvent('alice', 'bob', `reply ${i}`, { replyTo: quoted.id }))
    unwrap(await t.core.handlers.listMessages({ conversationId: conv }))
    t.link.event(cmdEvent('alice', quoted))
    await t.core.close()
    const files = readdirSync(t.dir).map((f) => readFileSync(path.join(t.dir, f)))
    expect(files.some((b) => b.includes(Buffer.from(secret)))).toBe(false)
  })
})

describe('quotes resolve only within their conversation', () => {
  it('a reference to a message of another chat shows nothing of it', async () => {
    const t = await core('bob')
    const private_ = messageEvent('carol', 'bob', 'for bob only')
    t.link.event(private_)
    const sneaky = messageEvent('alice', 'bob', 'what did carol say?', { replyTo: private_.id })
    t.link.event(sneaky)
    expect(byId(await page(t), sneaky.id).replyTo).toEqual({ id: private_.id, state: 'missing', sender: null, text: null })
    // Not even when that other message is withdrawn.
    t.link.event(cmdEvent('carol', private_))
    expect(byId(await page(t), sneaky.id).replyTo).toEqual({ id: private_.id, state: 'missing', sender: null, text: null })
  })

  it('a reply that arrives before what it quotes shows the quote once it arrives', async () => {
    const t = await core('bob')
    const quoted = messageEvent('alice', 'bob', 'first words')
    const reply = messageEvent('alice', 'bob', 'second words', { replyTo: quoted.id })
    t.link.event(reply)
    t.link.event(quoted)
    const update = t.events.of('message:updated').find((e) => e.message.id === reply.id)
    expect(update?.message.replyTo).toMatchObject({ state: 'available', text: 'first words' })
  })

  it('hands out only the start of a long quoted text', async () => {
    const t = await core('bob')
    const quoted = messageEvent('alice', 'bob', '长'.repeat(QUOTE_PREVIEW_CHARS + 50))
    const reply = messageEvent('alice', 'bob', 'tl;dr', { replyTo: quoted.id })
    t.link.event(quoted)
    t.link.event(reply)
    expect(byId(await page(t), reply.id).replyTo!.text).toBe('长'.repeat(QUOTE_PREVIEW_CHARS))
  })
})
