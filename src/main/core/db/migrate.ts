import type { Database } from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  up(db: Database): void
}

export class DatabaseTooNewError extends Error {
  readonly code = 'DATABASE_TOO_NEW'
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database ${path} has schema version ${found}, but this Parley only knows up to ${known}: ` +
        'it was written by a newer Parley. Update Parley (the database was left untouched).',
    )
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0
}

/** Apply every migration newer than the file, each in its own transaction together with its version bump. */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = schemaVersion(db)
  const known = latestVersion(migrations)
  if (current > known) throw new DatabaseTooNewError(db.name, current, known)
  for (const m of migrations) {
    if (m.version <= current) continue
    db.transaction(() => {
      m.up(db)
      // Integer from our own list, never user input: safe to inline (pragmas take no parameters).
      db.pragma(`user_version = ${Math.trunc(m.version)}`)
    })()
  }
}
