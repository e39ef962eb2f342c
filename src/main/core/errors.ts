import { fail, type Result } from '../../shared/bridge'

/** better-sqlite3 reports SQLite's result code as `code`, e.g. SQLITE_FULL or SQLITE_IOERR_WRITE. */
export function isDiskFull(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_FULL'
}

/** A full disk is an expected failure the user can act on; everything else stays an exception. */
export function guardDiskFull<A, T>(handler: (args: A) => Promise<Result<T>>): (args: A) => Promise<Result<T>> {
  return async (args) => {
    try {
      return await handler(args)
    } catch (err) {
      if (isDiskFull(err)) return fail('DISK_FULL', 'the disk is full: free some space and try again')
      throw err
    }
  }
}
