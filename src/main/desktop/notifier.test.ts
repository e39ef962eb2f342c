import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type ConversationView, type MessageView } from '../../shared/bridge'
import { DesktopNotifier, type NativeNotification } from './notifier'

const NOW = 1_800_000_000_000

class FakeNotification implements NativeNotification {
  shown = false
  closed = false
  private listeners = new Map<string, () => void>()
  constructor(readonly title: string, readonly body: string) {}
  show(): void {
    this.shown = true
  }
  close(): void {
    this.closed = true
  }
  on(event: 'click' | 'close', listener: () => void): void {
    this.listeners.set(event, listener)
  }
  fire(event: 'click' | 'close'): void {
    this.listeners.get(event)?.()
  }
}

function setup(focused = false) {
  const created: FakeNotification[] = []
  const opened: Array<[string, string]> = []
  const badges: number[] = []
  const notifier = new DesktopNotifier({
    create: (c) => {
      const n = new FakeNotification(c.title, c.body)
      created.push(n)
      return n
    },
    focused: () => focused,
    now: () => NOW,
    open: (conversationId, messageId) => opened.push([conversationId, messageId]),
    setBadge: (count) => badges.push(count),
  })
  return { notifier, created, opened, badges }
}

function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    conversationId: 'dm:alice:bob',
    sender: 'alice',
    mine: false,
    kind: 'text',
    text: 'see you at noon',
    ts: NOW - 1000,
    state: null,
    notice: null,
    ...over,
  } as MessageView
}

function conversation(over: Partial<ConversationView> = {}): ConversationView {
  return { id: 'dm:alice:bob', kind: 'direct', peer: 'alice', title: 'alice', lastMessage: null, lastTs: NOW, unread: 1, ...over } as ConversationView
}

describe('DesktopNotifier', () => {
  it("shows someone else's new message, and opens its conversation on click", () => {
    const { notifier, created, opened } = setup()
    notifier.onEvent({ name: 'message:added', payload: { message: message() } })
    expect(created).toHaveLength(1)
    expect(created[0]).toMatchObject({ title: 'alice', body: 'see you at noon', shown: true })
    created[0]!.fire('click')
    expect(opened).toEqual([['dm:alice:bob', message().id]])
  })

  it('closes the notification of a withdrawn message', () => {
    const { notifier, created } = setup()
    notifier.onEvent({ name: 'message:added', payload: { message: message() } })
    notifier.onEvent({ name: 'message:withdrawn', payload: {
      conversationId: 'dm:alice:bob',
      messageId: message().id,
      notice: message({ kind: 'notice', text: null }),
    } })
    expect(created[0]!.closed).toBe(true)
  })

  it('stays quiet for my own messages, while focused, and when notifications are off', () => {
    const quiet = setup(true)
    quiet.notifier.onEvent({ name: 'message:added', payload: { message: message() } })
    expect(quiet.created).toHaveLength(0)

    const { notifier, created } = setup()
    notifier.onEvent({ name: 'message:added', payload: { message: message({ mine: true }) } })
    notifier.onEvent({ name: 'settings:changed', payload: { settings: { ...DEFAULT_SETTINGS, notifications: false } } })
    notifier.onEvent({ name: 'message:added', payload: { message: message({ id: '01900000-0000-7000-8000-000000000002' }) } })
    expect(created).toHaveLength(0)
  })

  it('keeps the badge at the total unread and closes a conversation once it is read', () => {
    const { notifier, created, badges } = setup()
    notifier.seed(DEFAULT_SETTINGS, [conversation({ id: 'dm:alice:bob', unread: 2 }), conversation({ id: 'dm:bob:carol', unread: 3 })])
    expect(badges.at(-1)).toBe(5)
    notifier.onEvent({ name: 'message:added', payload: { message: message() } })
    notifier.onEvent({ name: 'conversation:changed', payload: { conversation: conversation({ unread: 0 }) } })
    expect(badges.at(-1)).toBe(3)
    expect(created[0]!.closed).toBe(true)
    notifier.onEvent({ name: 'session:changed', payload: { user: null } })
    expect(badges.at(-1)).toBe(0)
  })
})
