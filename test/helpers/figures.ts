/**
 * Fault and fuzz runs print their counts and keep them as JSON in test-results/faults/
 * (ignored by git), so docs/reliability.md can quote the figures of the last run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIGURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/faults')

export function publishFigures(name: string, figures: object): void {
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  console.log(`\n[${name}]\n${lines.join('\n')}\n`)
  mkdirSync(FIGURES_DIR, { recursive: true })
  writeFileSync(path.join(FIGURES_DIR, `${name}.json`), `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`)
}
