import { describe, expect, it } from 'vitest'
import type { MessageView } from './bridge'
import {
  NOTIFICATION_BODY_CHARS,
  NOTIFY_MAX_AGE_MS,
  NotificationBook,
  notificationFor,
  titleWithUnread,
  totalUnread,
} from './notifications'

const now = 1_800_000_000_000

function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1',
    conversationId: 'dm:alice:bob',
    sender: 'alice',
    mine: false,
    kind: 'text',
    text: 'hello bob',
    ts: now - 1000,
    state: null,
    notice: null,
    ...overrides,
  }
}

const ctx = { enabled: true, focused: false, now }

describe('notificationFor', () => {
  it('notifies an incoming text while the window is not focused', () => {
    expect(notificationFor(message(), ctx)).toEqual({ messageId: 'm1', conversationId: 'dm:alice:bob', title: 'alice', body: 'hello bob' })
  })

  it('names the group and the sender in a group', () => {
    const n = notificationFor(message({ conversationId: 'g:x' }), { ...ctx, conversation: { kind: 'group', title: 'Trip' } })
    expect(n).toMatchObject({ title: 'Trip', body: 'alice: hello bob' })
  })

  it.each([
    ['focused', message(), { ...ctx, focused: true }],
    ['disabled', message(), { ...ctx, enabled: false }],
    ['mine', message({ mine: true }), ctx],
    ['a notice', message({ kind: 'notice', text: null }), ctx],
    ['old history', message({ ts: now - NOTIFY_MAX_AGE_MS - 1 }), ctx],
  ])('stays quiet for %s', (_why, m, c) => {
    expect(notificationFor(m, c)).toBeNull()
  })

  it('clips long bodies by characters, not UTF-16 units', () => {
    const body = notificationFor(message({ text: '😀'.repeat(NOTIFICATION_BODY_CHARS + 10) }), ctx)!.body
    expect([...body]).toHaveLength(NOTIFICATION_BODY_CHARS)
    expect(body.endsWith('…')).toBe(true)
  })
})

class FakeNotification {
  closed = false
  close(): void {
    this.closed = true
  }
}

describe('NotificationBook', () => {
  it('closes the notification of a withdrawn message, and only that one', () => {
    const book = new NotificationBook<FakeNotification>()
    const a = new FakeNotification()
    const b = new FakeNotification()
    book.add({ messageId: 'm1', conversationId: 'c1' }, a)
    book.add({ messageId: 'm2', conversationId: 'c1' }, b)
    expect(book.withdraw('m1')).toBe(true)
    expect(a.closed).toBe(true)
    expect(b.closed).toBe(false)
    expect(book.withdraw('m1')).toBe(false)
    expect(book.withdraw('unknown')).toBe(false)
  })

  it('closes a conversation once it is read, and everything on sign-out', () => {
    const book = new NotificationBook<FakeNotification>()
    const [a, b, c] = [new FakeNotification(), new FakeNotification(), new FakeNotification()]
    book.add({ messageId: 'm1', conversationId: 'c1' }, a)
    book.add({ messageId: 'm2', conversationId: 'c2' }, b)
    book.add({ messageId: 'm3', conversationId: 'c2' }, c)
    book.closeConversation('c2')
    expect([a.closed, b.closed, c.closed]).toEqual([false, true, true])
    book.closeAll()
    expect(a.closed).toBe(true)
    expect(book.size).toBe(0)
  })

  it('forgets one the platform closed without closing a newer one for the same message', () => {
    const book = new NotificationBook<FakeNotification>()
    const old = new FakeNotification()
    const fresh = new FakeNotification()
    book.add({ messageId: 'm1', conversationId: 'c1' }, old)
    book.add({ messageId: 'm1', conversationId: 'c1' }, fresh)
    expect(old.closed).toBe(true)
    book.forget('m1', old)
    expect(book.has('m1')).toBe(true)
    book.forget('m1')
    expect(book.has('m1')).toBe(false)
  })
})

describe('unread totals', () => {
  it('adds up conversations and puts the count in front of the title', () => {
    expect(totalUnread([{ unread: 2 }, { unread: 0 }, { unread: 5 }])).toBe(7)
    expect(titleWithUnread('Parley', 0)).toBe('Parley')
    expect(titleWithUnread('Parley', 7)).toBe('(7) Parley')
    expect(titleWithUnread('Parley', 12_345)).toBe('(999+) Parley')
  })
})
