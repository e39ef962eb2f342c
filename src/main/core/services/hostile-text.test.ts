/**
 * Message text is data, never code: HTML, script, SQL, search syntax, bidi controls,
 * zero-width characters, emoji sequences and the longest allowed text are stored and
 * handed back exactly as typed or received, and searching for them finds them literally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchInvoke, type MessageView, type Result } from '../../../shared/bridge'
import { MAX_TEXT_LENGTH } from '../../../shared/protocol'
import { messageEvent, signedInCore, type TestCore, unwrap } from '../testing/harness'

const HOSTILE_TEXTS: readonly string[] = [
  '<script>alert("xss")</script>',
  '<img src=x onerror="alert(1)"><svg onload=alert(2)>',
  '<b>bold</b> &amp; &lt;not a tag&gt; <!-- comment -->',
  'javascript:alert(document.cookie)',
  '{{ constructor.constructor("alert(1)")() }} ${7*7} #{7*7}',
  "Robert'); DROP TABLE messages; --",
  '" OR 1=1; UPDATE messages SET text = \'pwned\' --',
  '%_ LIKE wildcards \\ and a backslash',
  'NEAR(drop table) AND "unterminated OR * text:col',
  '\u202Eevil.exe\u202C and \u2066isolated\u2069 \u200Fمرحبا\u200E שלום',
  'zero\u200Bwidth\u200Cnon\u200Djoiner\uFEFFbom\u2060joiner',
  '👩‍👩‍👧‍👦 🏳️‍🌈 🧑🏽‍🚀 🇺🇳 👍🏿 1️⃣',
  'Z̴̡̛͉͎̤̳̗a̶͕̳͊l̶̨̛g̶o̴ and 漢字かなカナ한국어',
  '  leading and trailing spaces  ',
  'line one\nline two\r\n\ttabbed',
  'nul\u0000inside',
  'x'.repeat(MAX_TEXT_LENGTH),
  '😀'.repeat(MAX_TEXT_LENGTH / 2),
]

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
