import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from '../../../node/sqlite/migrate'
import { MIGRATIONS } from './migrations'

export const DATABASE_FILE = 'server.db'

export class DataDirInUseError extends Error {
  constructor(file: string) {
    super(`the server database ${file} is in use by another process (is another Parley server running with this --data directory?)`)
    this.name = 'DataDirInUseError'
  }
}

export interface OpenOptions {
  /** Path of the better-sqlite3 addon to load instead of the default build. */
  nativeBinding?: string
}

/**
 * Opens (creating if needed) the server database in `dataDir` and brings its schema up
 * to date. The connection holds an exclusive lock for its lifetime: fan-out is in-process,
 * so two servers on one data directory would silently miss each other's messages.
 */
export function openDatabase(dataDir: string, options: OpenOptions = {}): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const file = path.join(dataDir, DATABASE_FILE)
  const db = new Database(file, { timeout: 1000, nativeBinding: options.nativeBinding })
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('journal_mode = WAL')
    // every acknowledged message must survive a power cut
    db.pragma('synchronous = FULL')
    // withdrawn text must not linger in free pages
    db.pragma('secure_delete = ON')
    db.pragma('foreign_keys = ON')
    // the first write in EXCLUSIVE mode takes the lock and keeps it until close
    db.exec('BEGIN EXCLUSIVE; COMMIT')
    migrate(db, MIGRATIONS, 'run a newer Parley server or point --data at another directory')
    return db
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(file)
    throw err
  }
}
