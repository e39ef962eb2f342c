import type Database from 'better-sqlite3'

export interface Migration {
  /** The `PRAGMA user_version` after this migration. */
  version: number
  name: string
  /** SQL script, or a function for changes that need code. */
  up: string | ((db: Database.Database) => void)
}

export class DatabaseTooNewError extends Error {
  constructor(file: string, found: number, known: number) {
    super(
      `the server database ${file} has schema version ${found}, newer than this Parley server knows ` +
        `(${known}); run a newer Parley server or point --data at another directory`,
    )
    this.name = 'DatabaseTooNewError'
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Applies each pending migration in its own transaction, bumping user_version with it. */
export function migrate(db: Database.Database, migrations: readonly Migration[], file = db.name): number {
  const known = migrations.at(-1)?.version ?? 0
  const current = schemaVersion(db)
  if (current > known) throw new DatabaseTooNewError(file, current, known)
  for (const migration of migrations) {
    if (migration.version <= current) continue
    db.transaction(() => {
      if (typeof migration.up === 'string') db.exec(migration.up)
      else migration.up(db)
      // user_version takes no bound parameters; the value is an integer from our own list
      db.pragma(`user_version = ${Math.trunc(migration.version)}`)
    })()
  }
  return schemaVersion(db)
}
