/**
 * Truncating the write-ahead log. Deleted rows (withdrawn text) survive in old WAL frames
 * until a checkpoint copies the zeroed pages back and the log is cut to zero bytes; the
 * client's profile database and the server's both do it after withdraws.
 */
import type { Database } from 'better-sqlite3'
import { logger } from '../../shared/log'

const log = logger('sqlite.wal')
const RETRY_MS = 200
const ATTEMPTS = 50

/**
 * Fold the WAL back into the database and truncate it to zero bytes. False when a reader
 * (another process looking at the file) held it up: it does not wait for one, the caller
 * retries.
 */
export function truncateWal(db: Database): boolean {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number
  db.pragma('busy_timeout = 0')
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
    return result?.busy === 0
  } finally {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeout)}`)
  }
}

/**
 * Truncate the WAL now, or keep trying a while (10 s) if a reader is in the way. Never
 * throws: it runs after the work that asked for it, often from a timer; a failure is
 * logged, and the next withdraw or closing the database truncates it.
 */
export function truncateWalUntilDone(db: Database, attempt = 1): void {
  try {
    if (!db.open || truncateWal(db)) return
  } catch (err) {
    log.error({ err }, 'WAL truncation failed; retried at the next withdraw or on close')
    return
  }
  if (attempt >= ATTEMPTS) {
    log.warn({ attempts: attempt }, 'WAL still held by a reader; it is truncated at the next withdraw or on close')
    return
  }
  setTimeout(() => truncateWalUntilDone(db, attempt + 1), RETRY_MS).unref()
}
