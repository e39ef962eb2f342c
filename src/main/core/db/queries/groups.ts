import type { Database } from 'better-sqlite3'
import type { GroupMember } from '../../../../shared/protocol'
import type { Role } from '../../../../shared/group-rules'
import { prepare } from '../../../../node/sqlite/statements'

/** Owner first, then admins, then members; each by name. */
const BY_RANK = `CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, username`

/** The role `username` held at server time `at` (now when absent); null when not a member then. */
export function roleAt(db: Database, conversationId: string, username: string, at?: number): Role | null {
  const row =
    at === undefined
      ? prepare<[string, string], { role: Role }>(
          db,
          'SELECT role FROM group_roles WHERE conversation_id = ? AND username = ? AND until IS NULL',
        ).get(conversationId, username)
      : prepare<[string, string, number, number], { role: Role }>(
          db,
          `SELECT role FROM group_roles WHERE conversation_id = ? AND username = ?
             AND since <= ? AND (until IS NULL OR until > ?)`,
        ).get(conversationId, username, at, at)
  return row?.role ?? null
}

export function currentMembers(db: Database, conversationId: string): GroupMember[] {
  return prepare<[string], GroupMember>(
    db,
    `SELECT username, role FROM group_roles WHERE conversation_id = ? AND until IS NULL ORDER BY ${BY_RANK}`,
  ).all(conversationId)
}

export function memberCount(db: Database, conversationId: string): number {
  return prepare<[string], { n: number }>(
    db,
    'SELECT count(*) AS n FROM group_roles WHERE conversation_id = ? AND until IS NULL',
  ).get(conversationId)!.n
}

/**
 * Make the roster the one the server sent with a change at `ts`: spans of members who are
 * gone or changed role end at `ts`, new ones begin at it. Everything else is left alone.
 */
export function applyRoster(db: Database, conversationId: string, members: readonly GroupMember[], ts: number): void {
  const next = new Map(members.map((m) => [m.username, m.role]))
  const close = prepare(db, 'UPDATE group_roles SET until = ? WHERE conversation_id = ? AND username = ? AND until IS NULL')
  const open = prepare(db, 'INSERT INTO group_roles (conversation_id, username, role, since) VALUES (?, ?, ?, ?)')
  const current = currentMembers(db, conversationId)
  for (const { username, role } of current) {
    if (next.get(username) === role) next.delete(username)
    else close.run(ts, conversationId, username)
  }
  for (const [username, role] of next) open.run(conversationId, username, role, ts)
}
