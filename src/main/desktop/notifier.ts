/**
 * The desktop app's notifications and unread badge, fed every event main emits. The
 * rules (which message notifies, what it says, which a withdraw or a read closes) are
 * src/shared/notifications.ts, the same as browser mode's; this class only keeps the
 * state those rules need. Electron-free: the Electron host (electron/index.ts) brings Electron's Notification.
 */
import { DEFAULT_SETTINGS, type BridgeEvent, type ConversationView, type MessageView, type Settings } from '../../shared/bridge'
import { NotificationBook, notificationFor, totalUnread, type NotificationContent } from '../../shared/notifications'

export interface NativeNotification {
  show(): void
  close(): void
  on(event: 'click' | 'close', listener: () => void): void
}

export interface DesktopNotifierDeps {
  /** A platform notification, or null where the platform cannot show any. */
  create(content: NotificationContent): NativeNotification | null
  /** The window has focus: the message is on screen or one click away. */
  focused(): boolean
  /** Server-corrected now (ms). */
  now(): number
  /** A notification was clicked: bring this conversation up. */
  open(conversationId: string, messageId: string): void
  setBadge(count: number): void
}

export class DesktopNotifier {
  private readonly book = new NotificationBook<NativeNotification>()
  private readonly conversations = new Map<string, ConversationView>()
  private settings: Settings = { ...DEFAULT_SETTINGS }

  constructor(private readonly deps: DesktopNotifierDeps) {}

  /** State that existed before the first event (read from the core at start-up). */
  seed(settings: Settings, conversations: readonly ConversationView[]): void {
    this.settings = settings
    for (const c of conversations) this.conversations.set(c.id, c)
    this.updateBadge()
  }

  onEvent(event: BridgeEvent): void {
    this.book.closeFor(event)
    switch (event.name) {
      case 'message:added':
        this.show(event.payload.message)
        return
      case 'conversation:changed': {
        const { conversation } = event.payload
        this.conversations.set(conversation.id, conversation)
        this.updateBadge()
        return
      }
      case 'settings:changed':
        this.settings = event.payload.settings
        return
      case 'session:changed':
        if (event.payload.user === null) {
          this.conversations.clear()
          this.updateBadge()
        }
        return
      default:
    }
  }

  dispose(): void {
    this.book.closeAll()
    this.deps.setBadge(0)
  }

  private show(message: MessageView): void {
    const content = notificationFor(message, {
      enabled: this.settings.notifications,
      focused: this.deps.focused(),
      now: this.deps.now(),
      conversation: this.conversations.get(message.conversationId) ?? null,
    })
    if (!content) return
    const notification = this.deps.create(content)
    if (!notification) return
    this.book.add(content, notification)
    notification.on('click', () => {
      this.book.forget(content.messageId, notification)
      this.deps.open(content.conversationId, content.messageId)
    })
    notification.on('close', () => this.book.forget(content.messageId, notification))
    notification.show()
  }

  private updateBadge(): void {
    this.deps.setBadge(totalUnread(this.conversations.values()))
  }
}
