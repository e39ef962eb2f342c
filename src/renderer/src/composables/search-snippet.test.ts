import { describe, expect, it } from 'vitest'
import { queryTerms, snippetParts } from './search-snippet'

const render = (parts: { text: string; match: boolean }[]) => parts.map((p) => (p.match ? `[${p.text}]` : p.text)).join('')

describe('search snippets', () => {
  it('mark every term, case-insensitively, merging overlaps', () => {
    expect(render(snippetParts('The quick brown fox', ['QUICK', 'fox']))).toBe('The [quick] brown [fox]')
    expect(render(snippetParts('abcabc', ['abc', 'bca']))).toBe('[abcabc]')
  })

  it('mark Chinese terms', () => {
    expect(render(snippetParts('我们明天开会讨论项目进度', ['开会', '进度']))).toBe('我们明天[开会]讨论项目[进度]')
  })

  it('cut long texts around the first match', () => {
    const text = `${'a '.repeat(100)}needle${' b'.repeat(100)}`
    const shown = render(snippetParts(text, ['needle'], 40))
    expect(shown.startsWith('…')).toBe(true)
    expect(shown.endsWith('…')).toBe(true)
    expect(shown).toContain('[needle]')
  })

  it('split queries like the core does', () => {
    expect(queryTerms('  明天  开会 明天 ')).toEqual(['明天', '开会'])
  })
})
