// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_SETTINGS, type MessageView, type Settings } from '../../../shared/bridge'
import { conversationView, noticeFor, textMessage } from '../testing/fake-bridge'
import { BrowserNotifier, type WebNotificationApi } from './browser-notifications'

/** What the page would see of `window.Notification`, recording every notification made. */
function fakeApi(permission: NotificationPermission = 'granted') {
  const made: Array<{ title: string; options: NotificationOptions; closed: boolean; target: EventTarget }> = []
  class FakeNotification extends EventTarget {
    static permission = permission
    static requestPermission = vi.fn(async () => {
      FakeNotification.permission = 'granted'
      return 'granted' as NotificationPermission
    })
    readonly record: (typeof made)[number]
    constructor(title: string, options: NotificationOptions = {}) {
      super()
      this.record = { title, options, closed: false, target: this }
      made.push(this.record)
    }
    close(): void {
      this.record.closed = true
      this.dispatchEvent(new Event('close'))
    }
  }
  return { api: FakeNotification as unknown as WebNotificationApi & { permission: NotificationPermission }, made }
}

function setup(opts: { permission?: NotificationPermission; focused?: boolean; settings?: Partial<Settings> } = {}) {
  const { api, made } = fakeApi(opts.permission)
  const opened: Array<[string, string]> = []
  const notifier = new BrowserNotifier({
    api,
    focused: () => opts.focused ?? false,
    now: () => Date.now(),
    settings: () => ({ ...DEFAULT_SETTINGS, ...opts.settings }),
    conversation: () => conversationView(),
    open: (c, m) => opened.push([c, m]),
  })
  return { notifier, made, opened, api }
}

const incoming = (text: string): MessageView => textMessage({ sender: 'bob', text, ts: Date.now() })

describe('browser-mode notifications', () => {
  it('notify each incoming message while the page is not focused, tagged by message', () => {
    const { notifier, made } = setup()
    const m = incoming('hello alice')
    notifier.onEvent({ name: 'message:added', payload: { message: m } })
    expect(made).toEqual([expect.objectContaining({ title: 'bob', options: { body: 'hello alice', tag: m.id }, closed: false })])
  })

  it('close the notification of a withdrawn message', () => {
    const { notifier, made } = setup()
    const a = incoming('to be withdrawn')
    const b = incoming('stays')
    notifier.onEvent({ name: 'message:added', payload: { message: a } })
    notifier.onEvent({ name: 'message:added', payload: { message: b } })
    notifier.onEvent({ name: 'message:withdrawn', payload: { conversationId: a.conversationId, messageId: a.id, notice: noticeFor(a) } })
    expect(made.map((n) => n.closed)).toEqual([true, false])
  })

  it('open the conversation on click, and forget the notification', () => {
    const { notifier, made, opened } = setup()
    const focus = vi.spyOn(window, 'focus').mockImplementation(() => {})
    const m = incoming('click me')
    notifier.onEvent({ name: 'message:added', payload: { message: m } })
    made[0]!.target.dispatchEvent(new Event('click'))
    expect(focus).toHaveBeenCalled()
    expect(opened).toEqual([[m.conversationId, m.id]])
    expect(made[0]!.closed).toBe(true)
  })

  it('stay quiet when focused, switched off, not permitted, or for my own messages', () => {
    for (const opts of [{ focused: true }, { settings: { notifications: false } }, { permission: 'denied' as const }, { permission: 'default' as const }]) {
      const { notifier, made } = setup(opts)
      notifier.onEvent({ name: 'message:added', payload: { message: incoming('x') } })
      expect(made, JSON.stringify(opts)).toEqual([])
    }
    const { notifier, made } = setup()
    notifier.onEvent({ name: 'message:added', payload: { message: textMessage({ mine: true, ts: Date.now() }) } })
    expect(made).toEqual([])
  })

  it('close a chat’s notifications once it is read, and all of them on sign-out', () => {
    const { notifier, made } = setup()
    notifier.onEvent({ name: 'message:added', payload: { message: incoming('a') } })
    notifier.onEvent({ name: 'message:added', payload: { message: incoming('b') } })
    notifier.onEvent({ name: 'conversation:changed', payload: { conversation: conversationView({ unread: 0 }) } })
    expect(made.every((n) => n.closed)).toBe(true)
    notifier.onEvent({ name: 'message:added', payload: { message: incoming('c') } })
    notifier.onEvent({ name: 'session:changed', payload: { user: null } })
    expect(made.every((n) => n.closed)).toBe(true)
  })

  it('ask for permission only when the browser has not been asked', async () => {
    const asked = setup({ permission: 'default' })
    expect(await asked.notifier.ensurePermission()).toBe('granted')
    expect(asked.api.requestPermission).toHaveBeenCalledOnce()
    const denied = setup({ permission: 'denied' })
    expect(await denied.notifier.ensurePermission()).toBe('denied')
    expect(denied.api.requestPermission).not.toHaveBeenCalled()
  })
})
