/**
 * The part of a found message to show in a search result, with the matched terms marked.
 * Pure and text-only: the result is rendered as text nodes (and <mark>), never as HTML.
 */
export interface SnippetPart {
  text: string
  match: boolean
}

/** Same split as the core's search: white space separates terms. */
export function queryTerms(query: string): string[] {
  return [...new Set(query.trim().split(/\s+/u).filter(Boolean))]
}

interface Range {
  start: number
  end: number
}

/** Where the terms occur (case-insensitively), merged where they overlap. */
function matchRanges(text: string, terms: readonly string[]): Range[] {
  const lower = text.toLowerCase()
  const ranges: Range[] = []
  for (const term of terms) {
    const needle = term.toLowerCase()
    if (!needle) continue
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
      ranges.push({ start: i, end: i + needle.length })
    }
  }
  ranges.sort((a, b) => a.start - b.start)
  const merged: Range[] = []
  for (const r of ranges) {
    const last = merged.at(-1)
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else merged.push({ ...r })
  }
  return merged
}

/**
 * At most `maxChars` UTF-16 units of `text` around its first match (an ellipsis marks
 * what was cut), split into plain and matched parts. Lowercasing keeps lengths for the
 * scripts people type here (Latin, CJK), so indexes line up with the original text.
 */
export function snippetParts(text: string, terms: readonly string[], maxChars = 120): SnippetPart[] {
  const flat = text.replace(/\s+/g, ' ')
  const ranges = flat.length === flat.toLowerCase().length ? matchRanges(flat, terms) : []
  const first = ranges[0]
  let from = 0
  if (first && flat.length > maxChars) from = Math.max(0, Math.min(first.start - Math.floor(maxChars / 3), flat.length - maxChars))
  const to = Math.min(flat.length, from + maxChars)
  const parts: SnippetPart[] = []
  let at = from
  for (const r of ranges) {
    if (r.end <= from || r.start >= to) continue
    const start = Math.max(r.start, from)
    const end = Math.min(r.end, to)
    if (start > at) parts.push({ text: flat.slice(at, start), match: false })
    parts.push({ text: flat.slice(start, end), match: true })
    at = end
  }
  if (at < to) parts.push({ text: flat.slice(at, to), match: false })
  if (from > 0) parts.unshift({ text: '…', match: false })
  if (to < flat.length) parts.push({ text: '…', match: false })
  return parts
}
