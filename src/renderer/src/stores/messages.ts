import { defineStore } from 'pinia'
import { onScopeDispose, ref, watch } from 'vue'
import type { MessageView, Result, WithdrawOutcome } from '../../../shared/bridge'
import { fail } from '../../../shared/bridge'
import { useBridge } from '../bridge/provide'
import { useConversationsStore } from './conversations'
import { useSessionStore } from './session'
import { useUiStore } from './ui'

export const PAGE_SIZE = 50

/** The loaded part of one conversation's history, oldest first, ordered by (ts, id) like the server. */
export interface Timeline {
  items: MessageView[]
  /** Older messages exist before items[0]. */
  hasMore: boolean
  /**
   * Newer messages exist after items.at(-1): the timeline was opened around an older
   * message (a search result) and pages forward as the user scrolls down.
   */
  hasNewer: boolean
  /** A page has been fetched at least once. */
  loaded: boolean
  loading: boolean
  loadingOlder: boolean
  loadingNewer: boolean
}

/** A message the list should bring into view and point out (a search result, a quote's original). */
export interface FocusTarget {
  conversationId: string
  messageId: string
  /** Increases with every request, so asking twice for one message still moves there. */
  seq: number
}

export interface WithdrawnEvent {
  conversationId: string
  notice: MessageView
  /** Increases with every withdrawal seen, so watchers fire even for the same message id. */
  seq: number
}

export function compareMessages(a: Pick<MessageView, 'ts' | 'id'>, b: Pick<MessageView, 'ts' | 'id'>): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Insert or replace by id, keeping (ts, id) order. Returns a new array. */
export function placeMessage(items: readonly MessageView[], message: MessageView): MessageView[] {
  const rest = items.filter((m) => m.id !== message.id)
  let lo = 0
  let hi = rest.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareMessages(rest[mid]!, message) < 0) lo = mid + 1
    else hi = mid
  }
  rest.splice(lo, 0, message)
  return rest
}

function emptyTimeline(): Timeline {
  return { items: [], hasMore: false, hasNewer: false, loaded: false, loading: false, loadingOlder: false, loadingNewer: false }
}

/** Messages the core puts before the target in a page `around` it (see listMessages). */
const OLDER_AROUND = Math.floor((PAGE_SIZE - 1) / 2)

export const useMessagesStore = defineStore('messages', () => {
  const bridge = useBridge()
  const session = useSessionStore()
  const conversations = useConversationsStore()
  const ui = useUiStore()

  const timelines = ref<Record<string, Timeline>>({})
  const lastWithdrawn = ref<WithdrawnEvent | null>(null)
  const focusTarget = ref<FocusTarget | null>(null)
  let withdrawSeq = 0
  let focusSeq = 0

  function timeline(conversationId: string): Timeline {
    return timelines.value[conversationId] ?? emptyTimeline()
  }

  /** The reactive timeline (read back after assigning: the assignment's value is the raw object). */
  function ensure(conversationId: string): Timeline {
    if (!timelines.value[conversationId]) timelines.value[conversationId] = emptyTimeline()
    return timelines.value[conversationId]!
  }

  function findMessage(messageId: string): MessageView | null {
    for (const t of Object.values(timelines.value)) {
      const found = t.items.find((m) => m.id === messageId)
      if (found) return found
    }
    return null
  }

  /** Load (or reload) the newest page; replaces what was loaded. */
  async function load(conversationId: string): Promise<Result<MessageView[]>> {
    const t = ensure(conversationId)
    t.loading = true
    try {
      const result = await bridge.listMessages({ conversationId, limit: PAGE_SIZE })
      const current = ensure(conversationId)
      if (result.ok) {
        // Events that arrived while the page was in flight are newer than it: keep them.
        const newest = result.value.at(-1)
        const later = newest ? current.items.filter((m) => compareMessages(m, newest) > 0) : current.items
        current.items = current.hasNewer ? result.value : later.reduce(placeMessage, result.value)
        current.hasMore = result.value.length >= PAGE_SIZE
        current.hasNewer = false
        current.loaded = true
      }
      return result
    } finally {
      ensure(conversationId).loading = false
    }
  }

  async function ensureLoaded(conversationId: string): Promise<void> {
    if (timelines.value[conversationId]) return
    const result = await load(conversationId)
    if (!result.ok) {
      delete timelines.value[conversationId]
      ui.showError('chat', result.error)
    }
  }

  async function loadOlder(conversationId: string): Promise<Result<MessageView[]>> {
    const t = ensure(conversationId)
    if (!t.loaded || t.loadingOlder || t.loading || !t.hasMore) return { ok: true, value: [] }
    const oldest = t.items[0]
    t.loadingOlder = true
    try {
      const result = await bridge.listMessages({
        conversationId,
        limit: PAGE_SIZE,
        ...(oldest ? { before: { ts: oldest.ts, id: oldest.id } } : {}),
      })
      const current = ensure(conversationId)
      if (result.ok) {
        current.items = result.value.reduce(placeMessage, current.items)
        // A page with nothing older than what we had cannot lead anywhere: stop, rather than ask forever.
        const progressed = !oldest || result.value.some((m) => compareMessages(m, oldest) < 0)
        current.hasMore = progressed && result.value.length >= PAGE_SIZE
      } else {
        ui.showError('chat', result.error)
      }
      return result
    } finally {
      ensure(conversationId).loadingOlder = false
    }
  }

  /**
   * Open a conversation at one message: a page around it replaces what was loaded, and
   * the list is asked to show it. NOT_FOUND when it is gone (withdrawn meanwhile).
   */
  async function openAround(conversationId: string, messageId: string): Promise<Result<MessageView[]>> {
    const t = ensure(conversationId)
    t.loading = true
    try {
      const result = await bridge.listMessages({ conversationId, around: messageId, limit: PAGE_SIZE })
      const current = ensure(conversationId)
      if (result.ok) {
        const index = result.value.findIndex((m) => m.id === messageId)
        current.items = result.value
        current.hasMore = index >= OLDER_AROUND
        current.hasNewer = result.value.length - index - 1 >= PAGE_SIZE - 1 - OLDER_AROUND
        current.loaded = true
        focusSeq += 1
        focusTarget.value = { conversationId, messageId, seq: focusSeq }
      }
      return result
    } finally {
      ensure(conversationId).loading = false
    }
  }

  /** The next page after the newest loaded message, while the timeline does not reach the present. */
  async function loadNewer(conversationId: string): Promise<Result<MessageView[]>> {
    const t = ensure(conversationId)
    const newest = t.items.at(-1)
    if (!t.loaded || !t.hasNewer || t.loadingNewer || t.loading || !newest) return { ok: true, value: [] }
    t.loadingNewer = true
    try {
      const result = await bridge.listMessages({ conversationId, limit: PAGE_SIZE, after: { ts: newest.ts, id: newest.id } })
      const current = ensure(conversationId)
      if (result.ok) {
        current.items = result.value.reduce(placeMessage, current.items)
        current.hasNewer = result.value.length >= PAGE_SIZE
      } else {
        ui.showError('chat', result.error)
      }
      return result
    } finally {
      ensure(conversationId).loadingNewer = false
    }
  }

  /** Point the list at a message that is loaded already. */
  function focusLoaded(conversationId: string, messageId: string): boolean {
    if (!timeline(conversationId).items.some((m) => m.id === messageId)) return false
    focusSeq += 1
    focusTarget.value = { conversationId, messageId, seq: focusSeq }
    return true
  }

  function place(message: MessageView): void {
    const t = timelines.value[message.conversationId]
    // A conversation not loaded yet gets its history from listMessages when opened.
    if (!t) return
    const newest = t.items.at(-1)
    const known = t.items.some((m) => m.id === message.id)
    // Past the end of a timeline that stops short of the present: paging forward brings it, in order.
    if (t.hasNewer && !known && newest && compareMessages(message, newest) > 0) return
    t.items = placeMessage(t.items, message)
  }

  async function send(conversationId: string, text: string, replyTo?: string): Promise<Result<MessageView>> {
    const result = await bridge.sendMessage(replyTo ? { conversationId, text, replyTo } : { conversationId, text })
    if (result.ok) {
      // What was just sent belongs at the present: leave an older part of the history for it.
      if (timelines.value[conversationId]?.hasNewer) await load(conversationId)
      place(result.value)
    }
    return result
  }

  async function withdraw(messageId: string, reason?: string): Promise<Result<{ outcome: WithdrawOutcome }>> {
    const target = findMessage(messageId)
    const result = await bridge.withdrawMessage(reason ? { messageId, reason } : { messageId })
    if (result.ok && target && result.value.outcome !== 'queued') {
      // Main announces the notice with message:withdrawn; if that event was lost
      // (e.g. the link dropped in between) the reload shows the real state instead.
      const still = findMessage(messageId)
      if (still?.kind === 'text') await load(target.conversationId)
    }
    return result
  }

  async function reEdit(messageId: string): Promise<Result<{ text: string }>> {
    const notice = findMessage(messageId)
    if (notice && notice.kind !== 'notice') return fail('NOT_FOUND', 'that message was not withdrawn')
    return bridge.reEdit({ messageId })
  }

  function reset(): void {
    timelines.value = {}
    lastWithdrawn.value = null
  }

  const offs = [
    bridge.on('message:added', ({ message }) => place(message)),
    bridge.on('message:updated', ({ message }) => place(message)),
    bridge.on('message:withdrawn', ({ conversationId, messageId, notice }) => {
      const t = timelines.value[conversationId]
      if (t) {
        t.items = t.items.filter((m) => m.id !== messageId)
        place(notice)
      }
      withdrawSeq += 1
      lastWithdrawn.value = { conversationId, notice, seq: withdrawSeq }
    }),
    bridge.on('message:withdraw-failed', ({ error }) => {
      ui.showError('chat', error, 'withdraw')
    }),
  ]
  onScopeDispose(() => offs.forEach((off) => off()))

  watch(
    () => session.user,
    (user, previous) => {
      if (user !== previous) reset()
    },
  )
  watch(
    () => session.resyncCount,
    () => {
      // Events may have been missed while the link was down: reload what is on screen, drop the rest.
      const activeId = conversations.activeId
      for (const id of Object.keys(timelines.value)) if (id !== activeId) delete timelines.value[id]
      if (activeId && session.user) void load(activeId)
    },
  )

  return {
    timelines,
    lastWithdrawn,
    focusTarget,
    timeline,
    findMessage,
    load,
    ensureLoaded,
    loadOlder,
    loadNewer,
    openAround,
    focusLoaded,
    send,
    withdraw,
    reEdit,
    reset,
  }
})
