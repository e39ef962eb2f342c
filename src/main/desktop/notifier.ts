/**
 * Desktop notifications in the Electron main process, driven by the core's events: one
 * per incoming message while the window is not focused, closed again when that message
 * is withdrawn (its text must not stay on the desktop), when its conversation is read,
 * when notifications are switched off, and on sign-out. The platform notification is
 * injected, so this runs (and is tested) without Electron.
 */
import { DEFAULT_SETTINGS, type BridgeEvents, type ConversationView, type EventName, type Settings } from '../../shared/bridge'
import { NotificationBook, notificationFor, type Closable, type NotificationContent } from '../../shared/notifications'

export interface PlatformNotification extends Closable {
  show(): void
}

export interface DesktopNotifierDeps {
  /** Build (not show) a notification; `onClick` runs when the user clicks it, `onGone` when it is dismissed or clicked. */
  create(content: NotificationContent, handlers: { onClick(): void; onGone(): void }): PlatformNotification
  isFocused(): boolean
  now(): number
  /** Bring the window up with this conversation (and message) open. */
  open(conversationId: string, messageId: string): void
}

export class DesktopNotifier {
  private readonly book = new NotificationBook<PlatformNotification>()
  private readonly conversations = new Map<string, Pick<ConversationView, 'kind' | 'title'>>()
  private settings: Settings = { ...DEFAULT_SETTINGS }

  constructor(private readonly deps: DesktopNotifierDeps) {}

  setSettings(settings: Settings): void {
    this.settings = settings
    if (!settings.notifications) this.book.closeAll()
  }

  seedConversations(list: readonly ConversationView[]): void {
    for (const c of list) this.conversations.set(c.id, { kind: c.kind, title: c.title })
  }

  onEvent<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    switch (name) {
      case 'message:added':
        this.onMessage((payload as BridgeEvents['message:added']).message)
        return
      case 'message:withdrawn':
        this.book.withdraw((payload as BridgeEvents['message:withdrawn']).messageId)
        return
      case 'conversation:changed': {
        const { conversation } = payload as BridgeEvents['conversation:changed']
        this.conversations.set(conversation.id, { kind: conversation.kind, title: conversation.title })
        if (conversation.unread === 0) this.book.closeConversation(conversation.id)
        return
      }
      case 'settings:changed':
        this.setSettings((payload as BridgeEvents['settings:changed']).settings)
        return
      case 'session:changed':
        if ((payload as BridgeEvents['session:changed']).user === null) this.book.closeAll()
        return
      default:
    }
  }

  /** How many are on screen (for tests and logs). */
  get open(): number {
    return this.book.size
  }

  dispose(): void {
    this.book.closeAll()
  }

  private onMessage(message: BridgeEvents['message:added']['message']): void {
    const content = notificationFor(message, {
      enabled: this.settings.notifications,
      focused: this.deps.isFocused(),
      now: this.deps.now(),
      conversation: this.conversations.get(message.conversationId) ?? null,
    })
    if (!content) return
    // Declared before it exists: the handlers close over the notification they belong to.
    let notification: PlatformNotification | null = null
    notification = this.deps.create(content, {
      onClick: () => this.deps.open(content.conversationId, content.messageId),
      onGone: () => this.book.forget(content.messageId, notification ?? undefined),
    })
    this.book.add(content, notification)
    notification.show()
  }
}
