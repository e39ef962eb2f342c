/**
 * Jumping in the message list: to a message someone points at (a search result, a quote's
 * original), loading the part of the history around it if needed and highlighting it for a
 * moment; and back to the newest message.
 */
import { computed, nextTick, onBeforeUnmount, ref, watch, type ComputedRef, type Ref } from 'vue'
import { useMessagesStore, type Timeline } from '../stores/messages'
import type { TimelineRow } from './useTimelineRows'

/** How long a message jumped to stays highlighted. */
const HIGHLIGHT_MS = 2500

export function useJumpToMessage(opts: {
  conversationId: () => string
  timeline: ComputedRef<Timeline>
  rows: ComputedRef<TimelineRow[]>
  awayFromNewest: Ref<boolean>
  focusMessage: (id: string, align: 'auto' | 'center') => boolean
  focusNewest: () => void
  scrollToEnd: () => void
}) {
  const messages = useMessagesStore()
  /** The message last pointed at: highlighted for a moment. */
  const highlightedKey = ref<string | null>(null)
  let highlightTimer: ReturnType<typeof setTimeout> | null = null
  let handledTarget = 0

  /** A message the store asks this list to show, not shown yet. */
  function pendingTarget(): string | null {
    const target = messages.focusTarget
    return target && target.conversationId === opts.conversationId() && target.seq > handledTarget ? target.messageId : null
  }

  /** Bring the target into the middle of the view and focus it, once its row exists. */
  function showTarget(): void {
    const id = pendingTarget()
    if (!id || !opts.focusMessage(id, 'center')) return
    handledTarget = messages.focusTarget!.seq
    highlightedKey.value = id
    if (highlightTimer) clearTimeout(highlightTimer)
    highlightTimer = setTimeout(() => (highlightedKey.value = null), HIGHLIGHT_MS)
  }
  watch([() => messages.focusTarget?.seq, () => opts.rows.value.length], () => void nextTick(showTarget), { immediate: true })
  onBeforeUnmount(() => {
    if (highlightTimer) clearTimeout(highlightTimer)
  })

  /** A quote was activated: show its original, loading the part of the history around it if needed. */
  async function openQuoted(messageId: string): Promise<void> {
    if (messages.focusLoaded(opts.conversationId(), messageId)) return
    const result = await messages.openAround(opts.conversationId(), messageId)
    if (!result.ok) console.warn(`parley: quoted message not shown: ${result.error.code}`)
  }

  const showJump = computed(() => opts.timeline.value.hasNewer || opts.awayFromNewest.value)

  /** Back to the present: the newest page when the timeline stops short of it, then its last message. */
  async function jumpToNewest(): Promise<void> {
    if (opts.timeline.value.hasNewer) await messages.load(opts.conversationId())
    await nextTick()
    opts.scrollToEnd()
    opts.awayFromNewest.value = false
    opts.focusNewest()
  }

  return { highlightedKey, pendingTarget, openQuoted, showJump, jumpToNewest }
}
