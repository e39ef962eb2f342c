import type { Database, Statement } from 'better-sqlite3'

const cache = new WeakMap<Database, Map<string, Statement>>()

/** Prepared statements are compiled once per connection: query functions stay plain `(db, ...)` calls. */
export function stmt<P extends unknown[] = unknown[], R = unknown>(db: Database, sql: string): Statement<P, R> {
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
