import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, watch } from 'vue'
import type { ConversationView, Result } from '../../../shared/bridge'
import { useBridge } from '../bridge/provide'
import { normalizeUsername } from '../../../shared/protocol'
import { useSessionStore } from './session'

/** Most recent first; ties broken by id so the order is stable. */
export function byRecency(a: ConversationView, b: ConversationView): number {
  return b.lastTs - a.lastTs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function pageVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden'
}

export const useConversationsStore = defineStore('conversations', () => {
  const bridge = useBridge()
  const session = useSessionStore()

  const byId = ref<Record<string, ConversationView>>({})
  const activeId = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  /** Conversations with a markRead in flight, so events do not trigger it twice. */
  const markingRead = new Set<string>()

  const list = computed(() => Object.values(byId.value).sort(byRecency))
  const active = computed(() => (activeId.value ? (byId.value[activeId.value] ?? null) : null))
  const totalUnread = computed(() => list.value.reduce((n, c) => n + c.unread, 0))

  function upsert(view: ConversationView): void {
    byId.value[view.id] = view
  }

  async function load(): Promise<Result<ConversationView[]>> {
    loading.value = true
    try {
      const result = await bridge.listConversations({})
      if (result.ok) {
        byId.value = Object.fromEntries(result.value.map((c) => [c.id, c]))
        loaded.value = true
        if (activeId.value && !byId.value[activeId.value]) activeId.value = null
      }
      return result
    } finally {
      loading.value = false
    }
  }

  async function markRead(id: string): Promise<void> {
    const view = byId.value[id]
    if (!view || view.unread === 0 || markingRead.has(id)) return
    markingRead.add(id)
    // Optimistic: main answers with conversation:changed carrying the real count.
    byId.value[id] = { ...view, unread: 0 }
    try {
      const result = await bridge.markRead({ conversationId: id })
      if (!result.ok) console.warn(`parley: markRead ${result.error.code}: ${result.error.message}`)
    } finally {
      markingRead.delete(id)
    }
  }

  function select(id: string | null): void {
    activeId.value = id
    if (id && pageVisible()) void markRead(id)
  }

  async function openDirect(rawUsername: string): Promise<Result<ConversationView>> {
    const result = await bridge.openDirect({ username: normalizeUsername(rawUsername) })
    if (result.ok) {
      upsert(result.value)
      select(result.value.id)
    }
    return result
  }

  /** Move the selection up or down the list (desktop menu: next/previous conversation). */
  function selectRelative(step: 1 | -1): void {
    const items = list.value
    if (items.length === 0) return
    const index = items.findIndex((c) => c.id === activeId.value)
    const next = index < 0 ? (step === 1 ? 0 : items.length - 1) : (index + step + items.length) % items.length
    select(items[next]!.id)
  }

  /** A notification or the tray asks for a conversation, possibly one this window has not listed yet. */
  async function reveal(id: string): Promise<void> {
    if (!byId.value[id]) await load()
    if (byId.value[id]) select(id)
  }

  function reset(): void {
    byId.value = {}
    activeId.value = null
    loaded.value = false
  }

  const offs = [
    bridge.on('ui:open-conversation', ({ conversationId }) => void reveal(conversationId)),
    bridge.on('conversation:changed', ({ conversation }) => {
      upsert(conversation)
      // Messages arriving in the chat the user is looking at are read already.
      if (conversation.id === activeId.value && conversation.unread > 0 && pageVisible()) void markRead(conversation.id)
    }),
  ]
  onScopeDispose(() => offs.forEach((off) => off()))

  if (typeof document !== 'undefined') {
    const onVisible = () => {
      if (activeId.value && pageVisible()) void markRead(activeId.value)
    }
    document.addEventListener('visibilitychange', onVisible)
    onScopeDispose(() => document.removeEventListener('visibilitychange', onVisible))
  }

  watch(
    () => session.user,
    (user, previous) => {
      if (user === previous) return
      reset()
      if (user) void load()
    },
    { immediate: true },
  )
  watch(
    () => session.resyncCount,
    () => {
      if (session.user) void load()
    },
  )

  return { byId, list, active, activeId, loading, loaded, totalUnread, load, select, selectRelative, reveal, markRead, openDirect, upsert, reset }
})
