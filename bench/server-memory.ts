/**
 * 6a. Server memory per idle authenticated connection: devices of distinct accounts
 * connect, say hello, get their welcome and then sit idle. Memory is read in the server
 * process after full garbage collections: before, after 1,000 connections and after a
 * second 1,000; the figure is the growth per connection.
 *
 * A burst of connections makes V8 grow its young generation (up to a fixed cap, sized by
 * the allocation rate, not by what stays live): without a warm-up that one-time growth,
 * ~20 MB, lands in the first thousand and reads as ~15 KB per connection. So the server
 * first goes through one burst of as many connections (all closed again), as any server
 * that has seen load has. A bare `ws` server holding as many idle sockets is measured the
 * same way, to show what is ws's own.
 */
import path from 'node:path'
import type { MemorySample } from './children/ipc'
import { type ChildHandle, startChild } from './lib/child'
import { connectAll, RawClient } from './lib/raw-client'
import { benchUsernames, seedAccounts } from './lib/server-seed'
import { round } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'

const CONNECTIONS = 1_000
const KB = 1024

interface Growth {
  /** Bytes per connection over all of them, and over the first and the second batch. */
  all: { rss: number; heap: number }
  first: { rss: number; heap: number }
  second: { rss: number; heap: number }
  samples: MemorySample[]
}

const heapOf = (m: MemorySample) => m.heapUsed + m.external

async function measureIdle(child: ChildHandle, open: (i: number) => Promise<RawClient>, count: number): Promise<Growth> {
  const memory = async () => (await child.request<{ memory: MemorySample }>({ type: 'memory' })).memory
  const warm = await connectAll(count, open)
  await Promise.all(warm.map((c) => c.close()))
  const clients: RawClient[] = []
  try {
    const samples = [await memory()]
    for (const offset of [0, count]) {
      clients.push(...(await connectAll(count, (i) => open(offset + i))))
      await new Promise((resolve) => setTimeout(resolve, 500))
      samples.push(await memory())
    }
    const [m0, m1, m2] = samples as [MemorySample, MemorySample, MemorySample]
    const per = (a: MemorySample, b: MemorySample, n: number) => ({ rss: (b.rss - a.rss) / n, heap: (heapOf(b) - heapOf(a)) / n })
    return { all: per(m0, m2, 2 * count), first: per(m0, m1, count), second: per(m1, m2, count), samples }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
}

const kb = (bytes: number) => round(bytes / KB, 1)

export const serverMemory: Benchmark = {
  name: 'server-memory',
  title: 'Server memory per idle authenticated connection',
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const count = quick ? 300 : CONNECTIONS
    const usernames = benchUsernames('mem', 2 * count)
    const dataDir = path.join(workDir, 'server')
    log(`seeding ${usernames.length} accounts`)
    const devices = await seedAccounts(dataDir, usernames)

    const parley = await startChild('bench/children/parley-server.ts', { dataDir }, path.join(workDir, 'server.log'))
    let p: Growth
    try {
      p = await measureIdle(parley, (i) => RawClient.connect(parley.url, devices[i]!.token), count)
    } finally {
      await parley.stop()
    }
    const bare = await startChild('bench/children/bare-relay.ts', {}, path.join(workDir, 'bare.log'))
    let b: Growth
    try {
      b = await measureIdle(bare, (i) => RawClient.connectBare(`${bare.url}/?id=${i}`), count)
    } finally {
      await bare.stop()
    }
    log(`parley ${kb(p.first.rss)} + ${kb(p.second.rss)} KB; bare ${kb(b.first.rss)} + ${kb(b.second.rss)} KB`)

    return {
      figures: [
        {
          measure: `server RSS per idle connection (${2 * count} connections)`,
          value: kb(p.all.rss),
          unit: 'KB',
          baseline: { measure: 'bare ws server', value: kb(b.all.rss) },
          ratio: round(p.all.rss / b.all.rss, 2),
          target: '<= 20 KB',
          pass: p.all.rss / KB <= 20,
        },
        {
          measure: 'server JS heap per idle connection',
          value: kb(p.all.heap),
          unit: 'KB',
          baseline: { measure: 'bare ws server', value: kb(b.all.heap) },
          ratio: round(p.all.heap / b.all.heap, 2),
        },
        { measure: 'server RSS per 1,000 idle connections', value: round(p.all.rss / 1024, 1), unit: 'MB' },
      ],
      details: { connectionsPerStep: count, parley: p, bare: b },
    }
  },
}
