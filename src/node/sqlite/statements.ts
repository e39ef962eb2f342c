import type { Database, Statement } from 'better-sqlite3'

const cache = new WeakMap<Database, Map<string, Statement>>()

/**
 * The prepared statement for `sql` on this connection, compiled once: query functions stay
 * plain `(db, ...)` calls while the hot paths run the same few statements.
 */
export function prepare<P extends unknown[] = unknown[], R = unknown>(db: Database, sql: string): Statement<P, R> {
  let perDb = cache.get(db)
  if (!perDb) {
    perDb = new Map()
    cache.set(db, perDb)
  }
  let prepared = perDb.get(sql)
  if (!prepared) {
    prepared = db.prepare(sql)
    perDb.set(sql, prepared)
  }
  return prepared as unknown as Statement<P, R>
}
