import { defineStore } from 'pinia'
import { onScopeDispose, ref, watch } from 'vue'
import { MAX_SEARCH_QUERY_LENGTH, type MessageView, type SearchMode } from '../../../shared/bridge'
import { useBridge } from '../bridge/provide'
import { useSessionStore } from './session'
import { useUiStore } from './ui'

/**
 * Full-text search over this device's history (main runs it on SQLite's index). Only
 * the newest request counts: answers to older ones are dropped. A withdrawn message
 * leaves the results the moment its withdraw arrives.
 */
export const useSearchStore = defineStore('search', () => {
  const bridge = useBridge()
  const session = useSessionStore()
  const ui = useUiStore()

  const query = ref('')
  /** Only this conversation, or null for all of them. */
  const conversationId = ref<string | null>(null)
  const results = ref<MessageView[]>([])
  const mode = ref<SearchMode>('empty')
  const searching = ref(false)
  /** The query the results belong to (for highlighting). */
  const resultQuery = ref('')
  let generation = 0

  async function run(): Promise<void> {
    const q = query.value.slice(0, MAX_SEARCH_QUERY_LENGTH)
    const mine = ++generation
    if (!q.trim()) {
      results.value = []
      mode.value = 'empty'
      resultQuery.value = ''
      searching.value = false
      return
    }
    searching.value = true
    const scope = conversationId.value
    const result = await bridge.searchMessages(scope ? { query: q, conversationId: scope } : { query: q })
    if (mine !== generation) return
    searching.value = false
    if (!result.ok) {
      ui.showError('chat', result.error)
      return
    }
    results.value = result.value.messages
    mode.value = result.value.mode
    resultQuery.value = q
  }

  function clear(): void {
    generation += 1
    query.value = ''
    results.value = []
    mode.value = 'empty'
    resultQuery.value = ''
    searching.value = false
  }

  const off = bridge.on('message:withdrawn', ({ messageId }) => {
    results.value = results.value.filter((m) => m.id !== messageId)
  })
  onScopeDispose(off)
  watch(
    () => session.user,
    () => {
      clear()
      conversationId.value = null
    },
  )

  return { query, conversationId, results, mode, searching, resultQuery, run, clear }
})
