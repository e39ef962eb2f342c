/**
 * A client core in its own process, as the Electron main process or browser mode runs it
 * (`createCore` on a profile directory, connected to a server), minus the window: for
 * measuring the main process's memory. Answers `online`, `exercise` and `memory`.
 */
import type { ConnectionState } from '../../src/shared/bridge'
import { createCore } from '../../src/main/core/core'
import { announceReady, benchConfig, serveRequests, settledMemory } from './ipc'

interface ClientCoreConfig {
  profileDir: string
  serverUrl: string
}

const config = benchConfig<ClientCoreConfig>()
let state: ConnectionState = 'offline'
const stateWaiters: (() => void)[] = []
const core = await createCore({
  profileDir: config.profileDir,
  serverUrl: config.serverUrl,
  emit: (name, payload) => {
    if (name !== 'connection:changed') return
    state = (payload as { state: ConnectionState }).state
    if (state === 'online') for (const w of stateWaiters.splice(0)) w()
  },
})
await core.start()

serveRequests({
  online: async () => {
    if (state !== 'online') await new Promise<void>((resolve) => stateWaiters.push(resolve))
    return {}
  },
  /** What the window does on start: the conversation list, then the busiest one opened and scrolled back `pages` pages. */
  exercise: async (message) => {
    const pages = Number(message.pages ?? 0)
    const list = await core.handlers.listConversations({})
    if (!list.ok) throw new Error(list.error.message)
    const busiest = list.value[0]
    let seen = 0
    if (busiest) {
      let page = await core.handlers.listMessages({ conversationId: busiest.id })
      for (let i = 0; page.ok && page.value.length > 0 && i < pages; i++) {
        seen += page.value.length
        const oldest = page.value[0]!
        page = await core.handlers.listMessages({ conversationId: busiest.id, before: { ts: oldest.ts, id: oldest.id } })
      }
    }
    return { conversations: list.value.length, messagesListed: seen }
  },
  memory: async () => ({ memory: await settledMemory() }),
})

process.on('SIGTERM', () => {
  void core.close().then(() => process.exit(0))
})
announceReady(config.serverUrl)
