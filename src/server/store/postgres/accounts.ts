import type { NewSession, SessionRecord, UserRecord } from '../types'
import { query, queryOne, type Sql, statement } from './sql'

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

const INSERT_USER = statement(
  'insert_user',
  'INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING username',
)
const SELECT_USER = statement('select_user', 'SELECT username, password_hash, created_at FROM users WHERE username = $1')
const DELETE_DEVICE_SESSIONS = statement(
  'delete_device_sessions',
  'DELETE FROM sessions WHERE username = $1 AND device_id = $2 RETURNING id, username, device_id, created_at',
)
const INSERT_SESSION = statement(
  'insert_session',
  'INSERT INTO sessions (id, token_hash, username, device_id, created_at) VALUES ($1, $2, $3, $4, $5)',
)
const INSERT_DEVICE = statement('insert_device', 'INSERT INTO devices (username, device_id) VALUES ($1, $2) ON CONFLICT DO NOTHING')
const LOCK_DEVICE = statement('lock_device', 'SELECT 1 FROM devices WHERE username = $1 AND device_id = $2 FOR UPDATE')
const SELECT_SESSION_BY_TOKEN = statement(
  'select_session_by_token',
  'SELECT id, username, device_id, created_at FROM sessions WHERE token_hash = $1',
)
const DELETE_SESSION = statement('delete_session', 'DELETE FROM sessions WHERE id = $1 RETURNING id, username, device_id, created_at')
const DELETE_USER_SESSIONS = statement(
  'delete_user_sessions',
  'DELETE FROM sessions WHERE username = $1 RETURNING id, username, device_id, created_at',
)
const SELECT_DEVICE_CURSOR = statement('select_device_cursor', 'SELECT cursor FROM devices WHERE username = $1 AND device_id = $2')

/** Concurrent sign-ups of one name: the unique key decides, the loser's insert does nothing. */
export async function insertUser(sql: Sql, user: UserRecord): Promise<'created' | 'taken'> {
  const rows = await query(sql, INSERT_USER, [user.username, user.passwordHash, user.createdAt])
  return rows.length === 1 ? 'created' : 'taken'
}

export async function selectUser(sql: Sql, username: string): Promise<UserRecord | null> {
  const row = await queryOne<UserRow>(sql, SELECT_USER, [username])
  return row ? toUser(row) : null
}

/**
 * Call inside a transaction. Two sign-ins of one device on two nodes queue on the device
 * row (the first lock in log.ts's order), so the second replaces the first and the device
 * keeps one session.
 */
export async function insertSession(sql: Sql, session: NewSession): Promise<SessionRecord[]> {
  await query(sql, INSERT_DEVICE, [session.username, session.deviceId])
  await query(sql, LOCK_DEVICE, [session.username, session.deviceId])
  const replaced = (await query<SessionRow>(sql, DELETE_DEVICE_SESSIONS, [session.username, session.deviceId])).map(toSession)
  await query(sql, INSERT_SESSION, [session.id, session.tokenHash, session.username, session.deviceId, session.createdAt])
  return replaced
}

export async function selectSessionByTokenHash(sql: Sql, tokenHash: Buffer): Promise<SessionRecord | null> {
  const row = await queryOne<SessionRow>(sql, SELECT_SESSION_BY_TOKEN, [tokenHash])
  return row ? toSession(row) : null
}

export async function deleteSession(sql: Sql, sessionId: string): Promise<SessionRecord | null> {
  const row = await queryOne<SessionRow>(sql, DELETE_SESSION, [sessionId])
  return row ? toSession(row) : null
}

export async function deleteUserSessions(sql: Sql, username: string): Promise<SessionRecord[]> {
  return (await query<SessionRow>(sql, DELETE_USER_SESSIONS, [username])).map(toSession)
}

export async function selectDeviceCursor(sql: Sql, username: string, deviceId: string): Promise<number> {
  return (await queryOne<{ cursor: number }>(sql, SELECT_DEVICE_CURSOR, [username, deviceId]))?.cursor ?? 0
}
