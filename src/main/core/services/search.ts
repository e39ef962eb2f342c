import { fail, ok, type Result, type SearchResult } from '../../../shared/bridge'
import { MIN_INDEXED_TERM_CHARS, searchMessageRows } from '../db/queries/messages'
import type { CoreContext } from '../context'
import { messageView } from '../views'

const DEFAULT_LIMIT = 50
/** More terms than this add nothing a person would type, only work. */
const MAX_TERMS = 8

/** Terms of a query: split on white space, case and order kept, duplicates dropped. */
export function searchTerms(query: string): string[] {
  return [...new Set(query.trim().split(/\s+/u).filter(Boolean))].slice(0, MAX_TERMS)
}

const charCount = (term: string): number => [...term].length

/**
 * Full-text search over this device's history. Terms of three or more characters use
 * the trigram index, shorter ones (common in Chinese: 你好, 会议) are matched as
 * substrings of what the index selected. A query made only of short terms scans one
 * conversation when one is given; across all conversations it answers `too-short`, so
 * the UI can ask for a longer query instead of scanning every message.
 */
export function searchMessages(
  ctx: CoreContext,
  args: { query: string; conversationId?: string; limit?: number },
): Result<SearchResult> {
  const me = ctx.me()
  if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
  const terms = searchTerms(args.query)
  const indexed = terms.filter((t) => charCount(t) >= MIN_INDEXED_TERM_CHARS)
  const scanned = terms.filter((t) => charCount(t) < MIN_INDEXED_TERM_CHARS)
  const conversationId = args.conversationId ?? null
  if (terms.length === 0) return ok({ mode: 'empty', messages: [] })
  if (indexed.length === 0 && conversationId === null) return ok({ mode: 'too-short', messages: [] })
  const rows = searchMessageRows(ctx.db, { indexed, scanned, conversationId, limit: args.limit ?? DEFAULT_LIMIT })
  return ok({ mode: indexed.length > 0 ? 'index' : 'scan', messages: rows.map((r) => messageView(ctx, r, me)) })
}
