import { computed, type ComputedRef } from 'vue'
import type { MessageView } from '../../../shared/bridge'
import { useMessagesStore, type Timeline } from '../stores/messages'
import { useSessionStore } from '../stores/session'
import { useSettingsStore } from '../stores/settings'
import { localDayKey } from './format'

/** One row of the message list: the start of the history, a day separator, or a message. */
export type TimelineRow =
  | { kind: 'start'; key: string }
  | { kind: 'day'; key: string; ts: number }
  | { kind: 'message'; key: string; message: MessageView }

/** A conversation's loaded history as the rows the list shows, keyed for the virtualizer. */
export function useTimelineRows(conversationId: () => string): { timeline: ComputedRef<Timeline>; rows: ComputedRef<TimelineRow[]> } {
  const messages = useMessagesStore()
  const session = useSessionStore()
  const settings = useSettingsStore()
  const timeline = computed(() => messages.timeline(conversationId()))

  /**
   * "Removed silently": others' withdrawals leave no row at all. My own stay (with Re-edit),
   * and the live region still tells screen readers what changed.
   */
  function hidden(message: MessageView): boolean {
    return (
      settings.settings.withdrawDisplay === 'silent' &&
      message.notice?.type === 'withdrawn' &&
      message.notice.actor !== session.user
    )
  }

  const rows = computed<TimelineRow[]>(() => {
    const out: TimelineRow[] = []
    const t = timeline.value
    if (t.loaded && !t.hasMore) out.push({ kind: 'start', key: 'start' })
    let day = ''
    for (const message of t.items) {
      if (hidden(message)) continue
      const key = localDayKey(message.ts)
      if (key !== day) {
        day = key
        out.push({ kind: 'day', key: `day:${key}`, ts: message.ts })
      }
      out.push({ kind: 'message', key: message.id, message })
    }
    return out
  })

  return { timeline, rows }
}
