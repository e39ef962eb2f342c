import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  deleteMessage,
  getMessage,
  insertNotice,
  insertTextMessage,
  listMessagePage,
  searchMessageIds,
  setDelivery,
} from './messages'
import { putDraft } from './reedit-drafts'
import { testDb } from './test-db'

let t: ReturnType<typeof testDb>
beforeEach(() => {
  t = testDb()
})
afterEach(() => t.dispose())

const conv = 'dm:alice:bob'
function text(id: string, ts: number, body = `message ${id}`, sender = 'bob') {
  return insertTextMessage(t.db, { id, conversationId: conv, sender, text: body, ts, state: null })
}

describe('messages queries', () => {
  it('maps a stored text message back', () => {
    insertTextMessage(t.db, { id: 'm1', conversationId: conv, sender: 'alice', text: 'hello', ts: 10, state: 'sending' })
    expect(getMessage(t.db, 'm1')).toMatchObject({
      id: 'm1',
      conversationId: conv,
      sender: 'alice',
      kind: 'text',
      text: 'hello',
      ts: 10,
      state: 'sending',
      noticeActor: null,
      draftExpiresAt: null,
    })
    expect(getMessage(t.db, 'nope')).toBeNull()
  })

  it('pages by (ts, id), oldest first within a page', () => {
    text('a', 1)
    text('b', 2)
    text('c', 2)
    text('d', 3)
    text('e', 4)
    const newest = listMessagePage(t.db, conv, null, 2)
    expect(newest.map((m) => m.id)).toEqual(['d', 'e'])
    const older = listMessagePage(t.db, conv, { ts: 3, id: 'd' }, 2)
    expect(older.map((m) => m.id)).toEqual(['b', 'c'])
    const oldest = listMessagePage(t.db, conv, { ts: 2, id: 'b' }, 10)
    expect(oldest.map((m) => m.id)).toEqual(['a'])
  })

  it('indexes text for trigram search and forgets it on delete', () => {
    text('m1', 1, 'the quick brown fox')
    text('m2', 2, 'lazy dogs sleep')
    expect(searchMessageIds(t.db, 'brown')).toEqual(['m1'])
    expect(searchMessageIds(t.db, 'ick bro')).toEqual(['m1'])
    deleteMessage(t.db, getMessage(t.db, 'm1')!)
    expect(getMessage(t.db, 'm1')).toBeNull()
    expect(searchMessageIds(t.db, 'brown')).toEqual([])
    expect(searchMessageIds(t.db, 'lazy')).toEqual(['m2'])
  })

  it('stores notices without text, and reports a live re-edit draft', () => {
    insertNotice(t.db, { id: 'n1', conversationId: conv, author: 'alice', actor: 'alice', reason: 'typo', ts: 5 })
    putDraft(t.db, 'n1', 'original', 1000)
    expect(getMessage(t.db, 'n1')).toMatchObject({
      kind: 'notice',
      text: null,
      sender: 'alice',
      noticeActor: 'alice',
      noticeAuthor: 'alice',
      noticeReason: 'typo',
      draftExpiresAt: 1000,
    })
  })

  it('updates delivery state and server timestamp', () => {
    insertTextMessage(t.db, { id: 'm1', conversationId: conv, sender: 'alice', text: 'x', ts: 10, state: 'sending' })
    setDelivery(t.db, 'm1', 'sent', 42)
    expect(getMessage(t.db, 'm1')).toMatchObject({ state: 'sent', ts: 42 })
    setDelivery(t.db, 'm1', 'delivered')
    expect(getMessage(t.db, 'm1')).toMatchObject({ state: 'delivered', ts: 42 })
  })

  it('refuses a message in a conversation that does not exist', () => {
    expect(() =>
      insertTextMessage(t.db, { id: 'm', conversationId: 'dm:carol:dave', sender: 'carol', text: 'x', ts: 1, state: null }),
    ).toThrow(/FOREIGN KEY/)
  })
})
