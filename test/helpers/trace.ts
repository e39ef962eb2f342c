import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

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
