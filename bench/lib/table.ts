/** The one table `npm run bench` prints (and docs/performance.md shows). */
import type { Figure } from './types'

export interface TableRow extends Figure {
  bench: string
}

const fmt = (v: number): string => (Number.isInteger(v) ? v.toLocaleString('en-US') : String(v))

export function renderTable(rows: readonly TableRow[], markdown = false): string {
  const header = ['benchmark', 'measure', 'value', 'baseline (same run)', 'ratio', 'target', 'met']
  const body = rows.map((r) => [
    r.bench,
    r.measure,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline.measure}: ${fmt(r.baseline.value)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `${r.ratio}x`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ])
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`
    return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n')
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}
