/**
 * Desktop notifications, decided the same way by the Electron main process (Electron's
 * Notification) and by the renderer in browser mode (the web Notification API): which
 * incoming messages raise one, what it says, and which ones a withdraw or a read closes.
 * Pure: the hosts bring the platform's notification object and their focus state.
 */
import type { BridgeEvent, ConversationView, MessageView } from './bridge'

/** Messages older than this when they arrive (a long offline catch-up, a new device's history) raise none. */
export const NOTIFY_MAX_AGE_MS = 5 * 60_000
/** Longest body text; the rest is in the app. */
export const NOTIFICATION_BODY_CHARS = 140

export interface NotificationContent {
  /** Also the platform tag: one notification per message. */
  messageId: string
  conversationId: string
  title: string
  body: string
}

export interface NotifyContext {
  /** The user's notifications setting. */
  enabled: boolean
  /** The window has focus: the message is on screen or one click away. */
  focused: boolean
  /** Server-corrected now (ms). */
  now: number
  /** The conversation, when known (for a group's name). */
  conversation?: Pick<ConversationView, 'kind' | 'title'> | null
}

function clip(text: string): string {
  const chars = [...text]
  return chars.length <= NOTIFICATION_BODY_CHARS ? text : `${chars.slice(0, NOTIFICATION_BODY_CHARS - 1).join('')}…`
}

/** The notification an added message raises, or null. Withdraw notices, my own messages and old history raise none. */
export function notificationFor(message: MessageView, ctx: NotifyContext): NotificationContent | null {
  if (!ctx.enabled || ctx.focused || message.mine || message.kind !== 'text' || message.text === null) return null
  if (ctx.now - message.ts > NOTIFY_MAX_AGE_MS) return null
  const group = ctx.conversation?.kind === 'group'
  return {
    messageId: message.id,
    conversationId: message.conversationId,
    title: group ? ctx.conversation!.title : message.sender,
    body: clip(group ? `${message.sender}: ${message.text}` : message.text),
  }
}

export interface Closable {
  close(): void
}

/**
 * The notifications on screen, by message. A withdrawn message's notification is closed
 * (its text must not stay on the desktop), as are a conversation's once it is read.
 */
export class NotificationBook<N extends Closable> {
  private readonly shown = new Map<string, { conversationId: string; notification: N }>()

  add(content: Pick<NotificationContent, 'messageId' | 'conversationId'>, notification: N): void {
    this.shown.get(content.messageId)?.notification.close()
    this.shown.set(content.messageId, { conversationId: content.conversationId, notification })
  }

  /** Forget one that the platform closed (clicked or dismissed). */
  forget(messageId: string, notification?: N): void {
    const entry = this.shown.get(messageId)
    if (entry && (notification === undefined || entry.notification === notification)) this.shown.delete(messageId)
  }

  /** The message was withdrawn; true when a notification of it was open. */
  withdraw(messageId: string): boolean {
    const entry = this.shown.get(messageId)
    if (!entry) return false
    this.shown.delete(messageId)
    entry.notification.close()
    return true
  }

  /** The conversation was read (or opened). */
  closeConversation(conversationId: string): void {
    for (const [id, entry] of [...this.shown]) {
      if (entry.conversationId !== conversationId) continue
      this.shown.delete(id)
      entry.notification.close()
    }
  }

  closeAll(): void {
    for (const entry of this.shown.values()) entry.notification.close()
    this.shown.clear()
  }

  /**
   * Closes what a bridge event makes stale: a withdrawn message's notification, a read
   * conversation's, and all of them when notifications are turned off or the user signs out.
   */
  closeFor(event: BridgeEvent): void {
    switch (event.name) {
      case 'message:withdrawn':
        this.withdraw(event.payload.messageId)
        return
      case 'conversation:changed': {
        const { conversation } = event.payload
        if (conversation.unread === 0) this.closeConversation(conversation.id)
        return
      }
      case 'settings:changed':
        if (!event.payload.settings.notifications) this.closeAll()
        return
      case 'session:changed':
        if (event.payload.user === null) this.closeAll()
        return
      default:
    }
  }

  get size(): number {
    return this.shown.size
  }

  has(messageId: string): boolean {
    return this.shown.has(messageId)
  }
}

/** Unread messages across conversations, for the badge, tray and window title. */
export function totalUnread(conversations: Iterable<Pick<ConversationView, 'unread'>>): number {
  let total = 0
  for (const c of conversations) total += c.unread
  return total
}

/** "(3) Parley": the count first, so it survives a truncated taskbar title. */
export function titleWithUnread(base: string, total: number): string {
  if (total <= 0) return base
  return `(${total > 999 ? '999+' : total}) ${base}`
}
