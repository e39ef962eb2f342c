/** What every benchmark module exports and returns. */

export interface BenchOptions {
  /** Fewer iterations and shorter windows: a smoke run, not a measurement to publish. */
  quick: boolean
  /** A scratch directory for this benchmark (deleted afterwards). */
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
  run(options: BenchOptions): Promise<BenchResult>
}

export function meets(value: number, op: '<=' | '>=', limit: number): boolean {
  return op === '<=' ? value <= limit : value >= limit
}
