/**
 * Message text is data, never code: HTML, script, SQL, search syntax, bidi controls,
 * zero-width characters, emoji sequences and the longest allowed text are stored and
 * handed back exactly as typed or received, and searching for them finds them literally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchInvoke, type MessageView, type Result } from '../../../shared/bridge'
import { HOSTILE_TEXTS } from '../../../../test/fixtures/hostile-texts'
import { messageEvent, signedInCore, type TestCore, unwrap } from '../testing/harness'

let alice: TestCore
const conversationId = 'dm:alice:bob'

beforeAll(async () => {
  alice = await signedInCore('alice')
})
afterAll(() => alice?.dispose())

/** Through the bridge's own validation, as the renderer's calls arrive. */
async function send(text: string): Promise<MessageView> {
  return unwrap((await dispatchInvoke(alice.core.handlers, 'sendMessage', { conversationId, text }, (err) => {
    throw err
  })) as Result<MessageView>)
}

function storedText(t: TestCore, id: string): string | undefined {
  return (t.core.testing.db.prepare('SELECT text FROM messages WHERE id = ?').get(id) as { text: string } | undefined)?.text
}

describe('hostile text', () => {
  it('is stored and listed exactly as sent', async () => {
    for (const text of HOSTILE_TEXTS) {
      const sent = await send(text)
      expect(sent.text, JSON.stringify(text.slice(0, 40))).toBe(text)
      expect(storedText(alice, sent.id)).toBe(text)
      const frame = alice.link.framesOf('send').find((f) => f.id === sent.id)
      expect(frame?.text).toBe(text)
    }
    const listed = unwrap(await alice.core.handlers.listMessages({ conversationId, limit: 500 }))
    expect(listed.filter((m) => m.sender === 'alice').map((m) => m.text)).toEqual(HOSTILE_TEXTS)
  })

  it('is stored exactly as received', async () => {
    for (const text of HOSTILE_TEXTS) {
      const ev = messageEvent('bob', 'alice', text)
      alice.link.event(ev)
      expect(storedText(alice, ev.id)).toBe(text)
    }
  })

  it('is found literally by search, whatever query syntax it contains', async () => {
    for (const query of ["DROP TABLE messages; --", 'NEAR(drop', '%_ LIKE', '"unterminated', '{{ constructor', '<script>alert']) {
      const result = unwrap(await alice.core.handlers.searchMessages({ query, conversationId }))
      expect(result.messages.length, query).toBeGreaterThan(0)
      for (const m of result.messages) {
        for (const term of query.split(/\s+/)) expect(m.text, query).toContain(term)
      }
    }
    // and the tables are all still there
    expect(alice.core.testing.db.prepare('SELECT count(*) FROM messages').pluck().get()).toBeGreaterThan(HOSTILE_TEXTS.length)
  })

  it('turns lone surrogates, which are not text, into U+FFFD one for one, as every other device will', async () => {
    const sent = await send('broken \uD800 pair \uDC00')
    expect(storedText(alice, sent.id)).toBe('broken \uFFFD pair \uFFFD')
    expect(alice.link.framesOf('send').find((f) => f.id === sent.id)?.text).toBe('broken \uFFFD pair \uFFFD')
  })
})
