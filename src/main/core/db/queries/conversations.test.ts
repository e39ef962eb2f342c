import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ensureConversation,
  getConversation,
  listConversations,
  markConversationRead,
  refreshConversationSummary,
} from './conversations'
import { deleteMessage, getMessage, insertTextMessage } from './messages'
import { testDb } from './test-db'

let t: ReturnType<typeof testDb>
beforeEach(() => {
  t = testDb()
})
afterEach(() => t.dispose())

const conv = 'dm:alice:bob'
function add(id: string, ts: number, sender: string, conversationId = conv) {
  insertTextMessage(t.db, { id, conversationId, sender, text: 'x', ts, state: null })
  refreshConversationSummary(t.db, conversationId, 'alice')
}

describe('conversations queries', () => {
  it('creates once', () => {
    expect(ensureConversation(t.db, { id: conv, kind: 'direct', peer: 'bob', title: 'bob', createdAt: 5 })).toBe(false)
    expect(getConversation(t.db, conv)).toMatchObject({ id: conv, kind: 'direct', peer: 'bob', title: 'bob', lastTs: 1, unread: 0 })
  })

  it('keeps the preview and unread count in step with the messages', () => {
    add('m1', 10, 'bob')
    add('m2', 20, 'alice')
    add('m3', 30, 'bob')
    expect(getConversation(t.db, conv)).toMatchObject({ lastMessageId: 'm3', lastTs: 30, unread: 2 })
    deleteMessage(t.db, getMessage(t.db, 'm3')!)
    refreshConversationSummary(t.db, conv, 'alice')
    expect(getConversation(t.db, conv)).toMatchObject({ lastMessageId: 'm2', lastTs: 20, unread: 1 })
  })

  it('marks read up to the newest message from others', () => {
    add('m1', 10, 'bob')
    add('m2', 50, 'alice')
    markConversationRead(t.db, conv, 'alice')
    expect(getConversation(t.db, conv)).toMatchObject({ unread: 0, readTs: 10 })
    add('m3', 30, 'bob')
    expect(getConversation(t.db, conv)!.unread).toBe(1)
  })

  it('lists most recent first', () => {
    ensureConversation(t.db, { id: 'dm:alice:carol', kind: 'direct', peer: 'carol', title: 'carol', createdAt: 2 })
    add('m1', 10, 'bob')
    add('m2', 20, 'carol', 'dm:alice:carol')
    expect(listConversations(t.db).map((c) => c.id)).toEqual(['dm:alice:carol', conv])
    add('m3', 30, 'bob')
    expect(listConversations(t.db).map((c) => c.id)).toEqual([conv, 'dm:alice:carol'])
  })
})
