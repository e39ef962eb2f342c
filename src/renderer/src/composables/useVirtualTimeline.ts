/**
 * The message list's virtualizer and its paging: older history loads as the user nears the
 * top without moving what they are looking at (the first visible message is pinned while
 * the rows above it are measured), newer history loads near the bottom after a jump back in
 * time, and a page too short to scroll asks for more by itself.
 */
import { useVirtualizer, type VirtualItem } from '@tanstack/vue-virtual'
import { computed, nextTick, ref, watch, type ComputedRef, type Ref } from 'vue'
import { useMessagesStore, type Timeline } from '../stores/messages'
import type { TimelineRow } from './useTimelineRows'

/** Load older history once the top of the list is this close (and newer near the bottom). */
const LOAD_THRESHOLD_PX = 240
/** Frames during which a prepend keeps correcting: enough for the rows above the anchor to be measured. */
const PIN_FRAMES = 6

export function useVirtualTimeline(opts: {
  conversationId: () => string
  timeline: ComputedRef<Timeline>
  rows: ComputedRef<TimelineRow[]>
  scroller: Ref<HTMLElement | null>
}) {
  const { timeline, rows, scroller } = opts
  const messages = useMessagesStore()
  /** True while an older page is being prepended: the manual anchor below owns the scroll position then. */
  const prepending = ref(false)
  /** Far enough from the newest message to offer the way back. */
  const awayFromNewest = ref(false)

  const virtualizer = useVirtualizer(
    computed(() => ({
      count: rows.value.length,
      getScrollElement: () => scroller.value,
      estimateSize: (index: number) => (rows.value[index]?.kind === 'message' ? 56 : 36),
      // Keys, not indexes: measurements and the scroll anchor survive prepending older pages.
      getItemKey: (index: number) => rows.value[index]?.key ?? index,
      overscan: 8,
      // Chat semantics: appending follows the bottom when the user is already there (and
      // a row growing at the bottom keeps it in view). Prepending is anchored by hand.
      // Scrolled back into history (a search result): rows appended below are older than
      // the present, so they must neither pull the view down nor be followed.
      anchorTo: prepending.value || timeline.value.hasNewer ? ('start' as const) : ('end' as const),
      followOnAppend: !timeline.value.hasNewer,
      scrollEndThreshold: 48,
    })),
  )

  const virtualRows = computed(() => virtualizer.value.getVirtualItems())
  const renderedRows = computed(() =>
    virtualRows.value.flatMap((item) => {
      const row = rows.value[item.index]
      return row ? [{ item, row }] : []
    }),
  )
  const totalSize = computed(() => virtualizer.value.getTotalSize())

  function measure(el: unknown): void {
    if (el instanceof HTMLElement) virtualizer.value.measureElement(el)
  }

  function canLoadOlder(): boolean {
    const t = timeline.value
    return t.loaded && t.hasMore && !t.loadingOlder && !t.loading
  }

  /**
   * Prepend the previous page without moving what the user is looking at. The
   * virtualizer's end-anchoring keys on the row at the scroll offset, which at the very
   * top is the day separator or the "beginning" line: they keep their key while older
   * rows slide in, so it would hold the viewport at 0 (a jump) or fight this
   * correction. It is switched off for the prepend, and the first visible message is
   * pinned where it was while the new rows above it get measured.
   */
  async function loadOlderKeepingPosition(): Promise<void> {
    if (!canLoadOlder() || prepending.value) return
    const offset = scroller.value?.scrollTop ?? 0
    const anchorItem = firstMessageAt(offset)
    const anchor = anchorItem ? { key: String(anchorItem.key), delta: anchorItem.start - offset } : null
    prepending.value = true
    let pinning = false
    try {
      await nextTick() // the virtualizer takes anchorTo 'start' before the rows change
      const result = await messages.loadOlder(opts.conversationId())
      if (!anchor || !result.ok || result.value.length === 0) return
      await nextTick()
      pinning = true
      pinAnchor(anchor, PIN_FRAMES)
    } finally {
      if (!pinning) prepending.value = false
    }
  }

  /**
   * Writes scrollTop directly rather than through a virtualizer scroll command: a
   * command's target is final, so corrections from rows measured just after it would
   * be dropped, while a plain scroll lets the virtualizer keep compensating them.
   */
  function pinAnchor(anchor: { key: string; delta: number }, framesLeft: number): void {
    const el = scroller.value
    const index = rows.value.findIndex((row) => row.key === anchor.key)
    const item = index >= 0 ? virtualizer.value.getOffsetForIndex(index, 'start') : undefined
    if (!el || !item || framesLeft <= 0) {
      prepending.value = false
      return
    }
    const desired = Math.max(0, item[0] - anchor.delta)
    if (Math.abs(el.scrollTop - desired) >= 1) el.scrollTop = desired
    requestAnimationFrame(() => pinAnchor(anchor, framesLeft - 1))
  }

  /**
   * The first message row at or below `offset`, from the virtualizer's layout rather
   * than the rendered rows: right after a fast scroll the rendered range can still be
   * the old one.
   */
  function firstMessageAt(offset: number): VirtualItem | undefined {
    const v = virtualizer.value
    let item = v.getVirtualItemForOffset(offset)
    while (item && rows.value[item.index]?.kind !== 'message') {
      const next = v.getVirtualItemForOffset(item.end)
      if (!next || next.index <= item.index) return undefined
      item = next
    }
    return item
  }

  /** Rows appended below the view do not move it: no anchoring needed when paging forward. */
  function loadNewer(): void {
    const t = timeline.value
    if (t.hasNewer && !t.loadingNewer && !t.loading) void messages.loadNewer(opts.conversationId())
  }

  /** The user scrolled: near the top loads older history, near the bottom newer (after a jump back). */
  function onScroll(): void {
    const el = scroller.value
    if (!el) return
    if (el.scrollTop <= LOAD_THRESHOLD_PX) void loadOlderKeepingPosition()
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight
    if (fromBottom <= LOAD_THRESHOLD_PX) loadNewer()
    awayFromNewest.value = fromBottom > el.clientHeight
  }

  // A page that does not fill the viewport can never be scrolled, so no scroll event
  // would ask for more: fill it. (Not "scrollTop is small": right after the first page
  // it still is, before the jump to the bottom lands, and that would fetch everything.)
  function fillViewport(): void {
    const el = scroller.value
    if (!el || totalSize.value > el.clientHeight) return
    void loadOlderKeepingPosition()
    loadNewer()
  }
  watch(
    () => rows.value.length,
    () => void nextTick(fillViewport),
  )

  function scrollToEnd(): void {
    if (rows.value.length) virtualizer.value.scrollToEnd()
  }

  function scrollToIndex(index: number, align: 'auto' | 'center'): void {
    virtualizer.value.scrollToIndex(index, { align })
  }

  return {
    virtualRows,
    renderedRows,
    totalSize,
    awayFromNewest,
    measure,
    onScroll,
    loadOlderKeepingPosition,
    scrollToEnd,
    scrollToIndex,
  }
}
