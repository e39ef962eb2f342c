/**
 * `npm run bench [-- [--quick] [name ...]]`: runs every benchmark (or the named ones) one
 * after another, prints one table and writes bench/results/<timestamp>.json and
 * bench/results/latest.json. Never part of `npm test`.
 *
 *   --quick        fewer iterations and shorter windows (a smoke run)
 *   --storage=S    disk, ram, cluster, both (disk and ram) or all (default): where the
 *                  storage-sensitive benchmarks keep their databases (ram = tmpfs at
 *                  /dev/shm; cluster = two server nodes on PostgreSQL and NATS, for the
 *                  benchmarks that support it: relay, withdraw-latency)
 *   --markdown     print the table as Markdown (for docs/performance.md)
 *   --list         list the benchmarks
 */
import './lib/quiet-logs'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from './lib/child'
import { clusterUnavailable } from './lib/servers'
import { renderTable, type TableRow } from './lib/table'
import type { Benchmark, Storage } from './lib/types'
import { catchUp } from './catch-up'
import { clientMemory } from './client-memory'
import { clientStore } from './client-store'
import { longHistory } from './long-history'
import { ownWithdraw } from './own-withdraw'
import { relay } from './relay'
import { serverMemory } from './server-memory'
import { withdrawLatency } from './withdraw-latency'

const RAM_DIR = '/dev/shm'

/** In the order of the issue. */
const BENCHMARKS: Benchmark[] = [withdrawLatency, relay, clientStore, catchUp, ownWithdraw, longHistory, serverMemory, clientMemory]

interface Outcome {
  name: string
  title: string
  status: 'ok' | 'skipped' | 'failed'
  reason?: string
  seconds: number
  figures: TableRow[]
  details?: Record<string, unknown>
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus()
  return {
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmpdir: os.tmpdir(),
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const quick = argv.includes('--quick')
  const markdown = argv.includes('--markdown')
  if (argv.includes('--list')) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(16)} ${b.title}`)
    return
  }
  const names = argv.filter((a) => !a.startsWith('--'))
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n))
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS
  const storageArg = argv.find((a) => a.startsWith('--storage='))?.slice('--storage='.length) ?? 'all'
  if (!['disk', 'ram', 'cluster', 'both', 'all'].includes(storageArg)) {
    console.error(`--storage must be disk, ram, cluster, both or all, not ${storageArg}`)
    process.exit(2)
  }
  const storages: Storage[] =
    storageArg === 'all' ? ['disk', 'ram', 'cluster'] : storageArg === 'both' ? ['disk', 'ram'] : [storageArg as Storage]
  const runs = selected.flatMap((bench) =>
    (bench.storageSensitive ? storages.filter((s) => s !== 'cluster' || bench.cluster) : (['disk'] as Storage[])).map((storage) => ({
      bench,
      storage,
      label: bench.storageSensitive ? `${bench.name} [${storage}]` : bench.name,
    })),
  )

  const startedAt = new Date()
  const machineAtStart = machine()
  const outcomes: Outcome[] = []
  for (const { bench, storage, label } of runs) {
    const t0 = performance.now()
    const log = (m: string) => console.error(`[${label}] ${m}`)
    const why = bench.unavailable?.() ?? (storage === 'cluster' ? clusterUnavailable() : null)
    if (why) {
      log(`skipped: ${why}`)
      outcomes.push({ name: label, title: bench.title, status: 'skipped', reason: why, seconds: 0, figures: [] })
      continue
    }
    const workDir = mkdtempSync(path.join(storage === 'ram' ? RAM_DIR : os.tmpdir(), `parley-bench-${bench.name}-`))
    log(`${bench.title}${quick ? ' (quick)' : ''}`)
    try {
      const result = await bench.run({ quick, storage, workDir, log })
      outcomes.push({
        name: label,
        title: bench.title,
        status: 'ok',
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        figures: result.figures.map((f) => ({ bench: label, ...f })),
        details: { storage, workDir, ...result.details },
      })
    } catch (err) {
      log(`FAILED: ${(err as Error).stack ?? String(err)}`)
      outcomes.push({
        name: label,
        title: bench.title,
        status: 'failed',
        reason: (err as Error).message,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        figures: [],
      })
    } finally {
      // BENCH_KEEP=1 keeps the scratch directory (server logs, databases) for a look afterwards
      if (process.env.BENCH_KEEP) log(`kept ${workDir}`)
      else rmSync(workDir, { recursive: true, force: true })
    }
    log(`done in ${outcomes.at(-1)!.seconds} s`)
  }

  const rows = outcomes.flatMap((o) => o.figures)
  console.log('')
  console.log(renderTable(rows, markdown))
  for (const o of outcomes.filter((x) => x.status !== 'ok')) console.log(`${o.name}: ${o.status} (${o.reason})`)

  const report = {
    startedAt: startedAt.toISOString(),
    quick,
    finishedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine: machineAtStart,
    // other work on the machine shows up in the figures: the load while the suite ran
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    benchmarks: outcomes,
    table: renderTable(rows, true),
  }
  const dir = path.join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const stamp = startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')
  const json = `${JSON.stringify(report, null, 2)}\n`
  writeFileSync(path.join(dir, `${stamp}.json`), json)
  writeFileSync(path.join(dir, 'latest.json'), json)
  console.log(`\nwrote bench/results/${stamp}.json and bench/results/latest.json`)
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1
}

await main()
// Child processes and sockets are closed by each benchmark; nothing should keep us alive.
process.exit(process.exitCode ?? 0)
