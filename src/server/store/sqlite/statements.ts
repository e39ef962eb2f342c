import type Database from 'better-sqlite3'

type Statement = Database.Statement<unknown[], unknown>

const cache = new WeakMap<Database.Database, Map<string, Statement>>()

/** Prepares each SQL text once per connection: the hot paths run the same few statements. */
export function prepare(db: Database.Database, sql: string): Statement {
  let statements = cache.get(db)
  if (!statements) {
    statements = new Map()
    cache.set(db, statements)
  }
  let statement = statements.get(sql)
  if (!statement) {
    statement = db.prepare(sql)
    statements.set(sql, statement)
  }
  return statement
}
