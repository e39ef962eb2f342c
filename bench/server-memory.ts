/**
 * 6a. Server memory per idle authenticated connection: 1,000 devices of 1,000 accounts
 * connect, say hello and get their welcome, then sit idle. The figure is the server
 * process's growth (after full garbage collections) divided by the connections; a bare
 * `ws` server holding as many idle sockets is measured beside it, to show what is ws's own.
 */
import path from 'node:path'
import type { MemorySample } from './children/ipc'
import { type ChildHandle, startChild } from './lib/child'
import { connectAll, RawClient } from './lib/raw-client'
import { benchUsernames, seedAccounts } from './lib/server-seed'
import { round } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'

const CONNECTIONS = 1_000
const WARMUP_CONNECTIONS = 20
const KB = 1024

interface Growth {
  rssPerConnection: number
  heapPerConnection: number
  before: MemorySample
  after: MemorySample
}

async function measureIdle(child: ChildHandle, open: (i: number) => Promise<RawClient>, count: number): Promise<Growth> {
  // code paths and lazily built structures first, so the growth is per connection only
  const warm = await connectAll(WARMUP_CONNECTIONS, (i) => open(count + i))
  await Promise.all(warm.map((c) => c.close()))
  const before = (await child.request<{ memory: MemorySample }>({ type: 'memory' })).memory
  const clients = await connectAll(count, open)
  try {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = (await child.request<{ memory: MemorySample }>({ type: 'memory' })).memory
    const heap = (m: MemorySample) => m.heapUsed + m.external
    return {
      rssPerConnection: (after.rss - before.rss) / count,
      heapPerConnection: (heap(after) - heap(before)) / count,
      before,
      after,
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
}

export const serverMemory: Benchmark = {
  name: 'server-memory',
  title: 'Server memory per idle authenticated connection',
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const count = quick ? 300 : CONNECTIONS
    const usernames = benchUsernames('mem', count + WARMUP_CONNECTIONS)
    const dataDir = path.join(workDir, 'server')
    log(`seeding ${usernames.length} accounts`)
    const devices = await seedAccounts(dataDir, usernames)

    const parley = await startChild('bench/children/parley-server.ts', { dataDir }, path.join(workDir, 'server.log'))
    let parleyGrowth: Growth
    try {
      parleyGrowth = await measureIdle(parley, (i) => RawClient.connect(parley.url, devices[i]!.token), count)
    } finally {
      await parley.stop()
    }
    const bare = await startChild('bench/children/bare-relay.ts', {}, path.join(workDir, 'bare.log'))
    let bareGrowth: Growth
    try {
      bareGrowth = await measureIdle(bare, (i) => RawClient.connectBare(`${bare.url}/?id=${i}`), count)
    } finally {
      await bare.stop()
    }
    log(`parley ${round(parleyGrowth.rssPerConnection / KB, 1)} KB rss, bare ${round(bareGrowth.rssPerConnection / KB, 1)} KB rss`)

    const perConn = parleyGrowth.rssPerConnection / KB
    return {
      figures: [
        {
          measure: 'server memory per idle connection (RSS)',
          value: round(perConn, 1),
          unit: 'KB',
          baseline: { measure: 'bare ws server', value: round(bareGrowth.rssPerConnection / KB, 1) },
          ratio: round(parleyGrowth.rssPerConnection / bareGrowth.rssPerConnection, 2),
          target: '<= 20 KB',
          pass: perConn <= 20,
        },
        {
          measure: 'server JS heap per idle connection',
          value: round(parleyGrowth.heapPerConnection / KB, 1),
          unit: 'KB',
          baseline: { measure: 'bare ws server', value: round(bareGrowth.heapPerConnection / KB, 1) },
          ratio: round(parleyGrowth.heapPerConnection / bareGrowth.heapPerConnection, 2),
        },
        {
          measure: `server memory per 1,000 idle connections (RSS)`,
          value: round((perConn * 1000) / KB, 1),
          unit: 'MB',
        },
      ],
      details: { connections: count, parley: parleyGrowth, bare: bareGrowth },
    }
  },
}
