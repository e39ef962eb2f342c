/** What every benchmark module exports and returns. */

/**
 * Where databases live: `disk` is the machine's ordinary filesystem (every durable commit
 * waits for an fsync), `ram` is tmpfs (/dev/shm), where an fsync costs nothing, which
 * isolates Parley's own work from the storage device. `cluster` is two server nodes on one
 * PostgreSQL (on the disk) and one nats-server (lib/servers.ts), for the benchmarks that
 * say they support it.
 */
export type Storage = 'disk' | 'ram' | 'cluster'

export interface BenchOptions {
  /** Fewer iterations and shorter windows: a smoke run, not a measurement to publish. */
  quick: boolean
  storage: Storage
  /** A scratch directory for this benchmark, on `storage` (deleted afterwards). */
  workDir: string
  log(message: string): void
}

/**
 * One line of the table. A figure that compares carries its baseline, measured in the
 * same run on the same machine, and the ratio value / baseline.
 */
export interface Figure {
  measure: string
  value: number
  unit: string
  baseline?: { measure: string; value: number }
  ratio?: number
  /** Human-readable target, e.g. "<= 5 ms". */
  target?: string
  /** Whether the target was met; absent when the figure has no target. */
  pass?: boolean
}

export interface BenchResult {
  figures: Figure[]
  /** Raw numbers and settings behind the figures, for the JSON file. */
  details: Record<string, unknown>
}

export interface Benchmark {
  name: string
  title: string
  /** Why it cannot run here (e.g. a marker or binary missing); null when it can. */
  unavailable?(): string | null
  /** Its figures depend on the storage: run once per storage. */
  storageSensitive?: boolean
  /** Also runs against a two-node cluster (storage `cluster`; lib/servers.ts). */
  cluster?: boolean
  run(options: BenchOptions): Promise<BenchResult>
}

export function meets(value: number, op: '<=' | '>=', limit: number): boolean {
  return op === '<=' ? value <= limit : value >= limit
}
