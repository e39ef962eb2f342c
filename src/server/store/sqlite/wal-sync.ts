/**
 * Durability for the server's group commit, off the event loop.
 *
 * With `synchronous = FULL`, SQLite fsyncs the WAL inside every COMMIT, on the thread that
 * runs it: better-sqlite3 is synchronous, so each fsync (0.1 to 5 ms on this machine's
 * disk, tens of ms under load) stalled every socket of the server, and a CPU profile under
 * load put 36 to 41% of the main thread in it. The database now runs with
 * `synchronous = NORMAL`, where a COMMIT in WAL mode writes its frames to the WAL (the
 * kernel's page cache) and returns, and this module makes those frames durable with one
 * `fdatasync` of the WAL file on libuv's thread pool. The store settles a write's promise —
 * the `ack`, the relay of its events — only after a sync that began after its commit
 * finished, so nothing is acknowledged or relayed before it is on disk, exactly as with
 * FULL. SQLite's recovery replays the WAL up to its last complete commit, so every synced
 * commit survives a power cut; a commit whose sync had not finished was never promised.
 * Checkpoints need nothing from here: in WAL mode with NORMAL, SQLite syncs the WAL before
 * a checkpoint and the database after it, and reuses the WAL only after both.
 *
 * fdatasync on any descriptor of a file flushes that file's dirty pages, so a descriptor of
 * our own on `server.db-wal` covers what SQLite wrote through its own. The WAL is never
 * deleted while the store's connection is open (a truncating checkpoint empties it in
 * place), so the descriptor stays valid until close.
 */
import fs from 'node:fs'

export interface WalSync {
  /** Resolves once everything written to the WAL before the call is on disk. */
  sync(): Promise<void>
  close(): void
}

export function walFileSync(databaseFile: string): WalSync {
  let fd: number | null = null
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        try {
          // the WAL exists from the first commit in WAL mode, which opening the store makes
          fd ??= fs.openSync(`${databaseFile}-wal`, 'r')
        } catch (err) {
          reject(err as Error)
          return
        }
        fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))
      }),
    close() {
      if (fd !== null) fs.closeSync(fd)
      fd = null
    },
  }
}
