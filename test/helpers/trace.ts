import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { waitFor } from './wait'

/** A distinctive string that cannot occur in a profile by accident. */
export function marker(label = 'secret'): string {
  return `${label}-${randomBytes(10).toString('hex')}`
}

/** The files under `dir` that hold `text` (UTF-8 or UTF-16), read as raw bytes. */
export function traceOf(dir: string, text: string): string[] {
  const needles = [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le')]
  const hits: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (needles.some((n) => readFileSync(p).includes(n))) hits.push(p)
    }
  }
  walk(dir)
  return hits
}

/**
 * Wait until no file under `dir` holds `text`. The core truncates the WAL right after a
 * withdraw, but merges truncations within a burst (CHECKPOINT_COALESCE_MS), so the last
 * copy in the WAL may outlive the bridge event by that long.
 */
export async function expectNoTrace(dir: string, text: string): Promise<void> {
  await waitFor(() => traceOf(dir, text).length === 0, { what: `no trace of the text in ${dir}`, timeoutMs: 5_000 })
}
