/**
 * The real Parley server (`startServer`, the same code `npm run server` runs) in its own
 * process, for the benchmarks. Configured through BENCH_CONFIG; answers `memory`. With
 * `database` and `nats` it is a cluster node, its engines opened as `npm run server --
 * --database … --nats …` opens them (openEngines); the CLI has no flag for `limits`.
 */
import v8 from 'node:v8'
import { openEngines } from '../../src/server/engines'
import { type ServerLimits, startServer } from '../../src/server/server'
import { announceReady, benchConfig, serveRequests, settledMemory } from './ipc'

export interface ParleyServerConfig {
  dataDir: string
  recallWindowSeconds?: number
  limits?: Partial<ServerLimits>
  /** A cluster node: PostgreSQL and NATS URLs (both or neither). */
  database?: string
  nats?: string
}

const config = benchConfig<ParleyServerConfig>()
const engines = await openEngines({
  database: config.database ? { url: config.database, source: 'bench' } : undefined,
  nats: config.nats ? { url: config.nats, source: 'bench' } : undefined,
})
const server = await startServer({
  store: engines.store,
  bus: engines.bus,
  host: '127.0.0.1',
  port: 0,
  dataDir: config.dataDir,
  recallWindowSeconds: config.recallWindowSeconds ?? 0,
  limits: config.limits,
})

serveRequests({
  memory: async () => ({ memory: await settledMemory() }),
  cpu: async () => ({ cpu: process.cpuUsage() }),
  v8: async () => ({ heap: v8.getHeapStatistics(), spaces: v8.getHeapSpaceStatistics() }),
})

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  void server.close().then(() => process.exit(0))
})
announceReady(server.url)
