/**
 * 6b. Client main-process memory with 100,000 messages: a client core in its own process
 * (as the Electron main process or browser mode runs it), signed in and online, after the
 * window's start-up work (the conversation list, the busiest conversation opened and
 * scrolled back 40 pages). Beside it, the same with an empty profile.
 */
import path from 'node:path'
import type { MemorySample } from './children/ipc'
import { startChild } from './lib/child'
import { buildProfile } from './lib/profile'
import { seedAccounts } from './lib/server-seed'
import { round } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'

const MESSAGES = 100_000
const PAGES = 40
const MB = 2 ** 20

export const clientMemory: Benchmark = {
  name: 'client-memory',
  title: 'Client main-process memory with 100,000 messages',
  async run({ workDir, log }: BenchOptions): Promise<BenchResult> {
    const dataDir = path.join(workDir, 'server')
    const peers = Array.from({ length: 20 }, (_, i) => `peer${String(i).padStart(2, '0')}`)
    const devices = await seedAccounts(dataDir, ['alice', 'emma', ...peers], 1)
    const server = await startChild('bench/children/parley-server.ts', { dataDir }, path.join(workDir, 'server.log'))
    try {
      const measure = async (label: string, me: string, count: number): Promise<{ memory: MemorySample; listed: number }> => {
        const device = devices.find((d) => d.username === me)!
        const profileDir = path.join(workDir, label)
        buildProfile(profileDir, { me, peers, count, session: { token: device.token, deviceId: device.deviceId } })
        const client = await startChild('bench/children/client-core.ts', { profileDir, serverUrl: server.url }, path.join(workDir, `${label}.log`))
        try {
          await client.request({ type: 'online' })
          const done = await client.request<{ messagesListed: number }>({ type: 'exercise', pages: PAGES })
          const { memory } = await client.request<{ memory: MemorySample }>({ type: 'memory' })
          return { memory, listed: done.messagesListed }
        } finally {
          await client.stop()
        }
      }
      const empty = await measure('empty', 'emma', 0)
      const full = await measure('full', 'alice', MESSAGES)
      log(`rss ${round(full.memory.rss / MB, 1)} MB with ${MESSAGES} messages, ${round(empty.memory.rss / MB, 1)} MB empty`)
      return {
        figures: [
          {
            measure: `client main-process RSS, ${MESSAGES.toLocaleString('en-US')} messages`,
            value: round(full.memory.rss / MB, 1),
            unit: 'MB',
            baseline: { measure: 'empty profile', value: round(empty.memory.rss / MB, 1) },
            ratio: round(full.memory.rss / empty.memory.rss, 2),
          },
          {
            measure: 'client main-process JS heap',
            value: round(full.memory.heapUsed / MB, 1),
            unit: 'MB',
            baseline: { measure: 'empty profile', value: round(empty.memory.heapUsed / MB, 1) },
            ratio: round(full.memory.heapUsed / empty.memory.heapUsed, 2),
          },
        ],
        details: { messages: MESSAGES, pagesScrolled: PAGES, messagesListed: full.listed, full: full.memory, empty: empty.memory },
      }
    } finally {
      await server.stop()
    }
  },
}
