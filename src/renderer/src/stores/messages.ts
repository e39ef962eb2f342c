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
  /** The newest page has been fetched at least once. */
  loaded: boolean
  loading: boolean
  loadingOlder: boolean
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
  return { items: [], hasMore: false, loaded: false, loading: false, loadingOlder: false }
}

export const useMessagesStore = defineStore('messages', () => {
  const bridge = useBridge()
  const session = useSessionStore()
  const conversations = useConversationsStore()
  const ui = useUiStore()

  const timelines = ref<Record<string, Timeline>>({})
  const lastWithdrawn = ref<WithdrawnEvent | null>(null)
  let withdrawSeq = 0

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
        current.items = later.reduce(placeMessage, result.value)
        current.hasMore = result.value.length >= PAGE_SIZE
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

  function place(message: MessageView): void {
    const t = timelines.value[message.conversationId]
    // A conversation not loaded yet gets its history from listMessages when opened.
    if (t) t.items = placeMessage(t.items, message)
  }

  async function send(conversationId: string, text: string): Promise<Result<MessageView>> {
    const result = await bridge.sendMessage({ conversationId, text })
    if (result.ok) place(result.value)
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
      if (t) t.items = placeMessage(t.items.filter((m) => m.id !== messageId), notice)
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
    timeline,
    findMessage,
    load,
    ensureLoaded,
    loadOlder,
    send,
    withdraw,
    reEdit,
    reset,
  }
})
