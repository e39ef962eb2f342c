import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

/**
 * The full-text index is split by age. FTS5 secure-delete removes a deleted message's
 * postings but keeps its terms (trigrams) as keys in the segment b-tree until the index is
 * merged, and a distinctive word can be rebuilt from overlapping trigrams. Merging
 * (`optimize`) after every withdraw is what removes them; splitting keeps that cheap:
 * withdraws nearly always hit `recent` (a few days of messages), and only a rare late
 * admin withdraw pays for merging the large `archive`.
 */
export type SearchPartition = 'recent' | 'archive'

export const SEARCH_PARTITIONS: readonly SearchPartition[] = ['recent', 'archive']

const TABLE: Record<SearchPartition, string> = { recent: 'messages_fts_recent', archive: 'messages_fts_archive' }

/** Messages older than this (server time) move from `recent` to `archive`. */
export const RECENT_INDEX_MS = 3 * 24 * 60 * 60 * 1000

/** Rows moved per rollover transaction, so a long-unopened profile never blocks for long. */
export const ROLLOVER_BATCH = 500

/** New messages always start in `recent`; the rollover moves them on. */
export function indexMessage(db: Database, rowId: number, text: string): void {
  prepare(db, `INSERT INTO ${TABLE.recent} (rowid, text) VALUES (?, ?)`).run(rowId, text)
}

/** Delete a message's entry; returns the partition that held it (null: none did). */
export function unindexMessage(db: Database, rowId: number): SearchPartition | null {
  for (const p of SEARCH_PARTITIONS) {
    const held = prepare(db, `SELECT rowid FROM ${TABLE[p]} WHERE rowid = ?`).get(rowId)
    if (!held) continue
    prepare(db, `DELETE FROM ${TABLE[p]} WHERE rowid = ?`).run(rowId)
    return p
  }
  return null
}

/**
 * Part of that merge, as FTS5's incremental merge ('merge' with a negative page count:
 * every segment, a lone one with deleted entries included, merged into one) writing about
 * `pages` leaf pages: the same result as FTS5's 'optimize' once it returns false, in steps
 * of bounded cost. True when there is more to do. Later deletes make more to do.
 */
export function mergeIndexStep(db: Database, p: SearchPartition, pages: number): boolean {
  const t = TABLE[p]
  const changes = prepare<[], { n: number }>(db, 'SELECT total_changes() AS n')
  const before = changes.get()!.n
  prepare(db, `INSERT INTO ${t} (${t}, rank) VALUES ('merge', ?)`).run(-Math.max(1, Math.trunc(pages)))
  // FTS5 counts at least 2 changes when the merge wrote anything (its documented progress test)
  return changes.get()!.n - before >= 2
}

export function clearIndex(db: Database): void {
  for (const p of SEARCH_PARTITIONS) {
    const t = TABLE[p]
    prepare(db, `INSERT INTO ${t} (${t}) VALUES ('delete-all')`).run()
  }
}

/** Rebuild both partitions from `messages`, each entry straight into its partition by age (bulk loads). */
export function rebuildIndexByAge(db: Database, cutoffTs: number): void {
  db.transaction(() => {
    clearIndex(db)
    const copy = (p: SearchPartition, cmp: '>=' | '<') =>
      prepare(db, `INSERT INTO ${TABLE[p]} (rowid, text) SELECT row_id, text FROM messages WHERE kind = 'text' AND ts ${cmp} ?`).run(cutoffTs)
    copy('recent', '>=')
    copy('archive', '<')
  })()
}

/**
 * The rowids matching an FTS5 query in either partition (`?` twice: the same query for each).
 * A message is in exactly one partition (moves are one transaction), so the union has no duplicates.
 */
export const MATCHING_ROWIDS_SQL = `SELECT rowid FROM ${TABLE.recent} WHERE ${TABLE.recent} MATCH ?
  UNION ALL SELECT rowid FROM ${TABLE.archive} WHERE ${TABLE.archive} MATCH ?`

/** Move up to `limit` messages older than `cutoffTs` from `recent` to `archive`, in one transaction. */
export function rolloverBatch(db: Database, cutoffTs: number, limit = ROLLOVER_BATCH): number {
  return db.transaction(() => {
    const rows = prepare<[number, number], { rowId: number; text: string }>(
      db,
      `SELECT m.row_id AS rowId, m.text AS text FROM ${TABLE.recent} f JOIN messages m ON m.row_id = f.rowid
       WHERE m.ts < ? AND m.text IS NOT NULL LIMIT ?`,
    ).all(cutoffTs, limit)
    for (const r of rows) {
      prepare(db, `DELETE FROM ${TABLE.recent} WHERE rowid = ?`).run(r.rowId)
      prepare(db, `INSERT INTO ${TABLE.archive} (rowid, text) VALUES (?, ?)`).run(r.rowId, r.text)
    }
    return rows.length
  })()
}

/** Merging `recent` is cheap: it runs after each rollover and whenever `archive` is merged. */
export function mergesAfterWithdrawFrom(p: SearchPartition): SearchPartition[] {
  // A rollover's moves leave orphaned keys in recent until its closing merge; a withdraw of
  // a just-moved message must not leave them there.
  return p === 'archive' ? ['archive', 'recent'] : ['recent']
}
