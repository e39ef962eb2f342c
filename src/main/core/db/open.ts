import { closeSync, mkdirSync, openSync, readSync } from 'node:fs'
import path from 'node:path'
import BetterSqlite3, { type Database } from 'better-sqlite3'
import { DatabaseTooNewError, latestVersion, migrate, schemaVersion, type Migration } from '../../../node/sqlite/migrate'
import { migrations as allMigrations } from './migrations'
import { prepare } from '../../../node/sqlite/statements'

/** The profile's standing level: every commit waits for the disk unless it runs in `withoutWaitingForDisk`. */
const WAITING_FOR_DISK = 'FULL'
/** How deep each connection is in `withoutWaitingForDisk` calls. */
const notWaiting = new WeakMap<Database, number>()

export const DATABASE_FILE = 'parley.db'

/** What a user can do about a profile written by a newer Parley. */
const UPDATE_PARLEY = 'it was written by a newer Parley. Update Parley (the database was left untouched).'

export interface OpenDatabaseOptions {
  profileDir: string
  /** Path to an Electron-ABI build of better-sqlite3's addon (the Node build is used otherwise). */
  nativeBinding?: string
  /** For migration tests: open with a prefix of the migration list. */
  migrations?: readonly Migration[]
}

export function databasePath(profileDir: string): string {
  return path.join(profileDir, DATABASE_FILE)
}

/**
 * Open (creating if needed) the profile's database and bring its schema up to date.
 * A database written by a newer Parley is refused before anything writes to it.
 */
export function openDatabase(opts: OpenDatabaseOptions): Database {
  const migrations = opts.migrations ?? allMigrations
  mkdirSync(opts.profileDir, { recursive: true })
  const file = databasePath(opts.profileDir)
  const driver = opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}
  const known = latestVersion(migrations)
  // Decided from the file header before SQLite opens it: a refused database gets no -wal/-shm beside it.
  const stamped = headerUserVersion(file)
  if (stamped !== null && stamped > known) throw new DatabaseTooNewError(file, stamped, known, UPDATE_PARLEY)

  const db = new BetterSqlite3(file, driver)
  try {
    // Again through SQLite, before the first write: the header may lag behind an uncheckpointed WAL.
    const found = schemaVersion(db)
    if (found > known) throw new DatabaseTooNewError(file, found, known, UPDATE_PARLEY)
    db.pragma('journal_mode = WAL')
    // Every commit is on disk before the server is told `received`.
    db.pragma(`synchronous = ${WAITING_FOR_DISK}`)
    // Deleted content (withdrawn text) is overwritten, not left in free pages.
    db.pragma('secure_delete = ON')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db, migrations, UPDATE_PARLEY)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0'
const HEADER_BYTES = 100
const USER_VERSION_OFFSET = 60

/** `PRAGMA user_version` as stamped in the file header; null when there is no database file yet. */
function headerUserVersion(file: string): number | null {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    const read = readSync(fd, header, 0, HEADER_BYTES, 0)
    if (read < HEADER_BYTES || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return null
    return header.readInt32BE(USER_VERSION_OFFSET)
  } finally {
    closeSync(fd)
  }
}

/**
 * Make every commit so far durable, including those made without waiting for the disk:
 * a checkpoint syncs the WAL before it copies anything.
 */
export function syncToDisk(db: Database): void {
  db.pragma('wal_checkpoint(PASSIVE)')
}

/**
 * Run `run` (a transaction) so that its commit reaches the OS without waiting for the disk:
 * it survives Parley crashing, not the machine losing power, until a later commit that
 * waits (or `syncToDisk`) syncs the WAL it was written to.
 */
export function withoutWaitingForDisk<T>(db: Database, run: () => T): T {
  const depth = notWaiting.get(db) ?? 0
  if (depth === 0) prepare(db, 'PRAGMA synchronous = NORMAL').run()
  notWaiting.set(db, depth + 1)
  try {
    return run()
  } finally {
    notWaiting.set(db, depth)
    // back to the level set on open (asking SQLite for it cost as much as setting it)
    if (depth === 0) prepare(db, `PRAGMA synchronous = ${WAITING_FOR_DISK}`).run()
  }
}
