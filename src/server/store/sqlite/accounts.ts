import type Database from 'better-sqlite3'
import type { NewSession, SessionRecord, UserRecord } from '../types'
import { prepare } from '../../../node/sqlite/statements'

interface UserRow {
  username: string
  password_hash: string
  created_at: number
}

interface SessionRow {
  id: string
  username: string
  device_id: string
  created_at: number
}

const toUser = (row: UserRow): UserRecord => ({
  username: row.username,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
})

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  username: row.username,
  deviceId: row.device_id,
  createdAt: row.created_at,
})

export function insertUser(db: Database.Database, user: UserRecord): 'created' | 'taken' {
  const { changes } = prepare(
    db,
    'INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (username) DO NOTHING',
  ).run(user.username, user.passwordHash, user.createdAt)
  return changes === 1 ? 'created' : 'taken'
}

export function selectUser(db: Database.Database, username: string): UserRecord | null {
  const row = prepare(db, 'SELECT username, password_hash, created_at FROM users WHERE username = ?').get(username) as
    | UserRow
    | undefined
  return row ? toUser(row) : null
}

export function insertSession(db: Database.Database, session: NewSession): SessionRecord[] {
  const replaced = (
    prepare(
      db,
      'DELETE FROM sessions WHERE username = ? AND device_id = ? RETURNING id, username, device_id, created_at',
    ).all(session.username, session.deviceId) as SessionRow[]
  ).map(toSession)
  prepare(db, 'INSERT INTO sessions (id, token_hash, username, device_id, created_at) VALUES (?, ?, ?, ?, ?)').run(
    session.id,
    session.tokenHash,
    session.username,
    session.deviceId,
    session.createdAt,
  )
  prepare(db, 'INSERT INTO devices (username, device_id) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
    session.username,
    session.deviceId,
  )
  return replaced
}

export function selectSessionByTokenHash(db: Database.Database, tokenHash: Buffer): SessionRecord | null {
  const row = prepare(db, 'SELECT id, username, device_id, created_at FROM sessions WHERE token_hash = ?').get(
    tokenHash,
  ) as SessionRow | undefined
  return row ? toSession(row) : null
}

export function deleteSession(db: Database.Database, sessionId: string): SessionRecord | null {
  const row = prepare(db, 'DELETE FROM sessions WHERE id = ? RETURNING id, username, device_id, created_at').get(
    sessionId,
  ) as SessionRow | undefined
  return row ? toSession(row) : null
}

export function deleteUserSessions(db: Database.Database, username: string): SessionRecord[] {
  return (
    prepare(db, 'DELETE FROM sessions WHERE username = ? RETURNING id, username, device_id, created_at').all(
      username,
    ) as SessionRow[]
  ).map(toSession)
}

export function selectDeviceCursor(db: Database.Database, username: string, deviceId: string): number {
  const row = prepare(db, 'SELECT cursor FROM devices WHERE username = ? AND device_id = ?').get(username, deviceId) as
    | { cursor: number }
    | undefined
  return row?.cursor ?? 0
}
