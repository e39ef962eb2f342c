/**
 * Checks shared by the client fault campaigns: what a SIGKILL left on disk, and what a
 * client showed (its `message:added` / `message:withdrawn` events, across restarts).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { databasePath } from '../../src/main/core/db/open'
import type { RecordedEvent } from './client-process'

export interface CrashedProfile {
  /** `PRAGMA integrity_check` of the files as the kill left them. */
  integrity: string
  /** Ids that were withdraw notices at the moment of the kill: they must never turn back into text. */
  notices: Set<string>
}

/**
 * Inspects a copy of the database and its WAL, so nothing recovers the original in place
 * before the core itself opens it again.
 */
export function inspectCrashedProfile(profileDir: string): CrashedProfile {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-crashed-profile-'))
  try {
    const file = databasePath(profileDir)
    for (const suffix of ['', '-wal']) if (existsSync(file + suffix)) copyFileSync(file + suffix, path.join(dir, `parley.db${suffix}`))
    const db = new BetterSqlite3(path.join(dir, 'parley.db'))
    try {
      const integrity = String(db.pragma('integrity_check', { simple: true }))
      const notices = db.prepare("SELECT id FROM messages WHERE kind = 'notice'").pluck().all() as string[]
      return { integrity, notices: new Set(notices) }
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Reads a client's database from another process: read-only while its core runs, writable once it stopped. */
export function readProfileDb<T>(profileDir: string, read: (db: BetterSqlite3.Database) => T, opts: { writable?: boolean } = {}): T | null {
  let db: BetterSqlite3.Database | null = null
  try {
    db = new BetterSqlite3(databasePath(profileDir), { readonly: !opts.writable, fileMustExist: true })
    return read(db)
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return null
    throw err
  } finally {
    db?.close()
  }
}

export type Violation = { kind: 'duplicated' | 'resurrected'; text: string }

/**
 * What one client showed, over all its runs: a message shown twice, or shown again after
 * the client had shown it withdrawn, is a violation; so is showing a message the caller
 * says was withdrawn while this client was down throughout (`withdrawnWhileDown`).
 */
export class ShownLog {
  private readonly added = new Set<string>()
  private readonly withdrawn = new Set<string>()

  constructor(
    private readonly client: string,
    private readonly withdrawnWhileDown: (msgId: string, text: string | null) => boolean,
    private readonly onViolation: (v: Violation) => void,
  ) {}

  observe(e: RecordedEvent): void {
    if (e.name === 'message:withdrawn') {
      this.withdrawn.add((e as RecordedEvent<'message:withdrawn'>).payload.messageId)
      return
    }
    if (e.name !== 'message:added') return
    const m = (e as RecordedEvent<'message:added'>).payload.message
    if (m.kind !== 'text') return
    if (this.added.has(m.id)) this.onViolation({ kind: 'duplicated', text: `${this.client} emitted message:added twice for ${m.id}` })
    this.added.add(m.id)
    if (this.withdrawn.has(m.id)) this.onViolation({ kind: 'resurrected', text: `${this.client} showed ${m.id} after showing it withdrawn` })
    else if (this.withdrawnWhileDown(m.id, m.text)) {
      this.onViolation({ kind: 'resurrected', text: `${this.client} showed ${m.id}, withdrawn while it was down` })
    }
  }

  /** After a restart: the notices the kill left on disk count as shown withdrawn. */
  rememberNotices(ids: Iterable<string>): void {
    for (const id of ids) this.withdrawn.add(id)
  }
}
