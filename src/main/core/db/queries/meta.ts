import type { Database } from 'better-sqlite3'
import { newId } from '../../../../shared/ids'
import { prepare } from '../../../../node/sqlite/statements'

type MetaKey =
  | 'deviceId'
  | 'sessionToken'
  | 'sessionUser'
  /** Whose data this profile holds; survives sign-out so the same user finds their history again. */
  | 'account'
  /** Highest server event seq committed here. */
  | 'cursor'
  /**
   * Highest seq acknowledged to the server. Written, waiting for the disk, right before
   * each `received`: that fsync makes the events committed without waiting durable too.
   */
  | 'ackedCursor'
  | 'recallWindowSeconds'
  | 'adminRecallWindowSeconds'

export function getMeta(db: Database, key: MetaKey): string | null {
  const row = prepare<[string], { value: string }>(db, 'SELECT value FROM meta WHERE key = ?').get(key)
  return row?.value ?? null
}

export function setMeta(db: Database, key: MetaKey, value: string): void {
  prepare(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  )
}

export function deleteMeta(db: Database, key: MetaKey): void {
  prepare(db, 'DELETE FROM meta WHERE key = ?').run(key)
}

/** This profile's device id, created on first use. */
export function deviceId(db: Database): string {
  const existing = getMeta(db, 'deviceId')
  if (existing) return existing
  const id = newId()
  setMeta(db, 'deviceId', id)
  return id
}

export interface StoredSession {
  token: string
  username: string
}

export function getSession(db: Database): StoredSession | null {
  const token = getMeta(db, 'sessionToken')
  const username = getMeta(db, 'sessionUser')
  return token && username ? { token, username } : null
}

export function setSession(db: Database, session: StoredSession): void {
  db.transaction(() => {
    setMeta(db, 'sessionToken', session.token)
    setMeta(db, 'sessionUser', session.username)
    setMeta(db, 'account', session.username)
  })()
}

export function clearSession(db: Database): void {
  db.transaction(() => {
    deleteMeta(db, 'sessionToken')
    deleteMeta(db, 'sessionUser')
  })()
}

export function getCursor(db: Database): number {
  return Number(getMeta(db, 'cursor') ?? 0)
}

/** Cumulative: never moves backwards, whatever order acknowledgements arrive in. */
export function advanceCursor(db: Database, seq: number): number {
  const next = Math.max(getCursor(db), seq)
  setMeta(db, 'cursor', String(next))
  return next
}

export interface WithdrawWindows {
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
}

export function getWithdrawWindows(db: Database, defaults: WithdrawWindows): WithdrawWindows {
  const user = getMeta(db, 'recallWindowSeconds')
  const admin = getMeta(db, 'adminRecallWindowSeconds')
  return {
    recallWindowSeconds: user === null ? defaults.recallWindowSeconds : Number(user),
    adminRecallWindowSeconds: admin === null ? defaults.adminRecallWindowSeconds : Number(admin),
  }
}

export function setWithdrawWindows(db: Database, windows: WithdrawWindows): void {
  db.transaction(() => {
    setMeta(db, 'recallWindowSeconds', String(windows.recallWindowSeconds))
    setMeta(db, 'adminRecallWindowSeconds', String(windows.adminRecallWindowSeconds))
  })()
}
