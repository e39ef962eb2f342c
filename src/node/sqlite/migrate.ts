/**
 * Schema migrations, one per `PRAGMA user_version`, for the client's profile database and
 * the server's: each applied in its own transaction together with its version bump, and a
 * database written by a newer Parley refused untouched.
 */
import type { Database } from 'better-sqlite3'

export interface Migration {
  /** The `PRAGMA user_version` after this migration. */
  version: number
  name: string
  /** SQL script, or a function for changes that need code. */
  up: string | ((db: Database) => void)
}

export class DatabaseTooNewError extends Error {
  readonly code = 'DATABASE_TOO_NEW'
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
    /** What the user can do about it (differs between the app and the server). */
    advice: string,
  ) {
    super(`the database ${path} has schema version ${found}, newer than this Parley knows (${known}): ${advice}`)
    this.name = 'DatabaseTooNewError'
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0
}

/**
 * Apply every migration newer than the database, each in its own transaction with its
 * version bump; returns the version reached. `advice` goes into the error for a database
 * from a newer Parley.
 */
export function migrate(db: Database, migrations: readonly Migration[], advice = 'run a newer Parley'): number {
  const current = schemaVersion(db)
  const known = latestVersion(migrations)
  if (current > known) throw new DatabaseTooNewError(db.name, current, known, advice)
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
