/**
 * Keyboard focus in the message list (roving tabindex): one message row is reachable with
 * Tab (the last one focused, else the newest), arrow keys, Home and End move between
 * messages, and a row is focused once virtualization has mounted it.
 */
import { computed, nextTick, ref, watch, type ComputedRef, type Ref } from 'vue'
import type { TimelineRow } from './useTimelineRows'

export function useRovingFocus(opts: {
  rows: ComputedRef<TimelineRow[]>
  scroller: Ref<HTMLElement | null>
  /** Changes whenever the virtualizer mounts other rows. */
  virtualRows: ComputedRef<unknown>
  scrollToIndex: (index: number, align: 'auto' | 'center') => void
  /** Arrow up past the oldest loaded message. */
  onPastOldest: () => void
}) {
  const { rows, scroller } = opts
  const activeKey = ref<string | null>(null)
  /** A row we want focused once virtualization has mounted it. */
  let pendingFocusKey: string | null = null

  const focusableIndexes = computed(() => rows.value.flatMap((row, i) => (row.kind === 'message' ? [i] : [])))

  const tabStopKey = computed(() => {
    if (activeKey.value && rows.value.some((r) => r.key === activeKey.value)) return activeKey.value
    const last = focusableIndexes.value.at(-1)
    return last === undefined ? null : (rows.value[last]?.key ?? null)
  })

  function rowElement(key: string): HTMLElement | null {
    const wrappers = scroller.value?.querySelectorAll<HTMLElement>('[data-row-key]') ?? []
    const wrapper = [...wrappers].find((el) => el.dataset.rowKey === key)
    return wrapper?.querySelector<HTMLElement>('[data-row-focus]') ?? null
  }

  function tryPendingFocus(): void {
    if (!pendingFocusKey) return
    const el = rowElement(pendingFocusKey)
    if (!el) return
    pendingFocusKey = null
    el.focus({ preventScroll: true })
  }

  watch(opts.virtualRows, () => void nextTick(tryPendingFocus), { flush: 'post' })

  /** Bring row `index` into view (aligned as asked) and focus it once it is mounted. */
  function focusRow(index: number, align: 'auto' | 'center' = 'auto'): void {
    const row = rows.value[index]
    if (!row) return
    activeKey.value = row.key
    pendingFocusKey = row.key
    opts.scrollToIndex(index, align)
    void nextTick(tryPendingFocus)
  }

  function onFocusIn(event: FocusEvent): void {
    const wrapper = (event.target as HTMLElement).closest<HTMLElement>('[data-row-key]')
    if (wrapper?.dataset.rowKey) activeKey.value = wrapper.dataset.rowKey
  }

  function onKeydown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement
    if (!target.hasAttribute('data-row-focus')) return
    const index = Number(target.closest<HTMLElement>('[data-index]')?.dataset.index)
    if (!Number.isInteger(index)) return
    const focusable = focusableIndexes.value
    const position = focusable.indexOf(index)
    let next: number | undefined
    switch (event.key) {
      case 'ArrowUp':
        next = focusable[position - 1]
        if (next === undefined) opts.onPastOldest()
        break
      case 'ArrowDown':
        next = focusable[position + 1]
        break
      case 'Home':
        next = focusable[0]
        break
      case 'End':
        next = focusable.at(-1)
        break
      default:
        return
    }
    event.preventDefault()
    if (next !== undefined) focusRow(next)
  }

  /** Focus a message by id, if it has a row. */
  function focusMessage(id: string, align: 'auto' | 'center' = 'auto'): boolean {
    const index = rows.value.findIndex((r) => r.key === id)
    if (index < 0) return false
    focusRow(index, align)
    return true
  }

  /** Focus the newest message. */
  function focusNewest(): void {
    const last = focusableIndexes.value.at(-1)
    if (last !== undefined) focusRow(last)
  }

  return { tabStopKey, onFocusIn, onKeydown, focusMessage, focusNewest }
}
