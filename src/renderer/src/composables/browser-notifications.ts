/**
 * Desktop notifications in browser mode, through the web Notification API: the same
 * rules as the desktop app's (src/shared/notifications.ts). The desktop app shows its
 * own from the main process, so this runs only when the page talks to a browser-mode host.
 */
import { onScopeDispose } from 'vue'
import { bridgeEvent, type BridgeEvent, type ConversationView, type MessageView, type ParleyBridge, type Settings } from '../../../shared/bridge'
import { NotificationBook, notificationFor, type NotificationContent } from '../../../shared/notifications'

/** The part of the web Notification API this uses (a fake in tests). */
export interface WebNotificationApi {
  permission: NotificationPermission
  requestPermission(): Promise<NotificationPermission>
  new (title: string, options?: NotificationOptions): Notification
}

export interface BrowserNotifierDeps {
  api: WebNotificationApi | null
  focused(): boolean
  now(): number
  settings(): Settings
  conversation(id: string): ConversationView | null
  /** Bring this conversation (and message) up; the window has been focused already. */
  open(conversationId: string, messageId: string): void
}

export class BrowserNotifier {
  private readonly book = new NotificationBook<Notification>()

  constructor(private readonly deps: BrowserNotifierDeps) {}

  /** Whether the browser lets this page notify (after asking, when it has not been asked yet). */
  async ensurePermission(): Promise<NotificationPermission> {
    const api = this.deps.api
    if (!api) return 'denied'
    if (api.permission !== 'default') return api.permission
    try {
      return await api.requestPermission()
    } catch {
      return api.permission
    }
  }

  onEvent(event: BridgeEvent): void {
    this.book.closeFor(event)
    if (event.name === 'message:added') this.show(event.payload.message)
  }

  dispose(): void {
    this.book.closeAll()
  }

  private show(message: MessageView): void {
    const api = this.deps.api
    if (!api || api.permission !== 'granted') return
    const content = notificationFor(message, {
      enabled: this.deps.settings().notifications,
      focused: this.deps.focused(),
      now: this.deps.now(),
      conversation: this.deps.conversation(message.conversationId),
    })
    if (!content) return
    let notification: Notification
    try {
      notification = new api(content.title, { body: content.body, tag: content.messageId })
    } catch (err) {
      // Some browsers only allow notifications from a service worker: nothing to show then.
      console.warn('parley: notification not shown', err)
      return
    }
    this.track(content, notification)
  }

  private track(content: NotificationContent, notification: Notification): void {
    this.book.add(content, notification)
    notification.addEventListener('click', () => {
      window.focus()
      this.deps.open(content.conversationId, content.messageId)
      notification.close()
      this.book.forget(content.messageId, notification)
    })
    notification.addEventListener('close', () => this.book.forget(content.messageId, notification))
  }
}

/** What the notifier follows: what raises a notification and what closes one. */
const EVENTS = ['message:added', 'message:withdrawn', 'conversation:changed', 'settings:changed', 'session:changed'] as const

/** Wire a notifier to the bridge for the lifetime of the calling scope. */
export function useBrowserNotifier(bridge: ParleyBridge, deps: BrowserNotifierDeps): BrowserNotifier {
  const notifier = new BrowserNotifier(deps)
  const offs = EVENTS.map((name) => bridge.on(name, (payload) => notifier.onEvent(bridgeEvent(name, payload))))
  onScopeDispose(() => {
    offs.forEach((off) => off())
    notifier.dispose()
  })
  return notifier
}

export function webNotificationApi(): WebNotificationApi | null {
  return typeof Notification === 'function' ? (Notification as unknown as WebNotificationApi) : null
}

/** In browser mode the window counts as focused only when its page has focus and is visible. */
export function pageFocused(): boolean {
  return document.visibilityState !== 'hidden' && document.hasFocus()
}
