/**
 * Unread counts per conversation, followed from the core's events, for what the main
 * process shows outside the window: the dock/taskbar badge and the tray.
 */
import type { BridgeEvents, ConversationView, EventName } from '../../shared/bridge'
import { totalUnread } from '../../shared/notifications'

export class UnreadTracker {
  private readonly counts = new Map<string, number>()
  private last = 0

  constructor(private readonly onTotal: (total: number) => void) {}

  /** Start from the full list (after start-up or sign-in). */
  seed(conversations: readonly Pick<ConversationView, 'id' | 'unread'>[]): void {
    this.counts.clear()
    for (const c of conversations) this.counts.set(c.id, c.unread)
    this.publish()
  }

  /** Feed every core event; only the ones that move counts matter. */
  onEvent<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    if (name === 'conversation:changed') {
      const { conversation } = payload as BridgeEvents['conversation:changed']
      this.counts.set(conversation.id, conversation.unread)
      this.publish()
    } else if (name === 'session:changed' && (payload as BridgeEvents['session:changed']).user === null) {
      this.counts.clear()
      this.publish()
    }
  }

  get total(): number {
    return totalUnread(Array.from(this.counts.values(), (unread) => ({ unread })))
  }

  private publish(): void {
    const total = this.total
    if (total === this.last) return
    this.last = total
    this.onTotal(total)
  }
}

/** What the tray shows for a total. */
export function trayState(total: number, labels: { trayUnread: string; trayNoUnread: string }): { unread: boolean; tooltip: string } {
  return total > 0
    ? { unread: true, tooltip: labels.trayUnread.replace('{n}', String(total)) }
    : { unread: false, tooltip: labels.trayNoUnread }
}
