import type Database from 'better-sqlite3'
import type { GroupChange, GroupEvent, GroupMember, GroupRoster } from '../../../shared/protocol'
import type { Role } from '../../../shared/group-rules'
import type {
  CreateGroupResult,
  GroupChangeRequest,
  GroupChangeResult,
  GroupEventRecord,
  GroupRecord,
  NewGroup,
} from '../types'
import { appendEvent, groupEvent, nextTimestamp } from './log'
import { prepare } from '../../../node/sqlite/statements'

interface GroupEventRow {
  id: string
  conversation_id: string
  actor: string
  ts: number
}

export function selectRole(db: Database.Database, conversationId: string, username: string): Role | null {
  const row = prepare(db, 'SELECT role FROM group_members WHERE conversation_id = ? AND username = ?').get(
    conversationId,
    username,
  ) as { role: Role } | undefined
  return row?.role ?? null
}

function selectMembers(db: Database.Database, conversationId: string): GroupMember[] {
  return prepare(
    db,
    'SELECT username, role FROM group_members WHERE conversation_id = ? ORDER BY joined_at, username',
  ).all(conversationId) as GroupMember[]
}

export function selectMemberNames(db: Database.Database, conversationId: string): string[] {
  return selectMembers(db, conversationId).map((m) => m.username)
}

function selectVersion(db: Database.Database, conversationId: string): number | null {
  const row = prepare(db, 'SELECT version FROM groups WHERE conversation_id = ?').get(conversationId) as
    | { version: number }
    | undefined
  return row?.version ?? null
}

export function selectGroup(db: Database.Database, conversationId: string): GroupRecord | null {
  const row = prepare(db, 'SELECT name, version FROM groups WHERE conversation_id = ?').get(conversationId) as
    | { name: string; version: number }
    | undefined
  if (!row) return null
  return { conversationId, name: row.name, version: row.version, members: selectMembers(db, conversationId) }
}

export function selectGroupEvent(db: Database.Database, id: string): GroupEventRecord | null {
  const row = prepare(db, 'SELECT id, conversation_id, actor, ts FROM group_events WHERE id = ?').get(id) as
    | GroupEventRow
    | undefined
  return row ? { id: row.id, conversationId: row.conversation_id, actor: row.actor, ts: row.ts } : null
}

/** Whether a writer that read the group at `version` still sees it as it is. */
export function isCurrentVersion(db: Database.Database, conversationId: string, version: number | undefined): boolean {
  return version === undefined || selectVersion(db, conversationId) === version
}

/** A client id names one thing: a message, a withdraw or a group change. */
function isIdTaken(db: Database.Database, id: string): boolean {
  return (
    prepare(
      db,
      `SELECT 1 FROM messages WHERE id = @id
       UNION ALL SELECT 1 FROM tombstones WHERE msg_id = @id OR cmd_id = @id
       UNION ALL SELECT 1 FROM group_events WHERE id = @id
       LIMIT 1`,
    ).get({ id }) !== undefined
  )
}

export function isGroupEventId(db: Database.Database, id: string): boolean {
  return prepare(db, 'SELECT 1 FROM group_events WHERE id = ?').get(id) !== undefined
}

/** The same op again answers with its first ts; any other use of its id is a conflict. */
function repeatOf(
  db: Database.Database,
  opId: string,
  conversationId: string,
  actor: string,
): { kind: 'duplicate'; ts: number } | { kind: 'id-conflict' } | null {
  const previous = selectGroupEvent(db, opId)
  if (previous) {
    return previous.conversationId === conversationId && previous.actor === actor
      ? { kind: 'duplicate', ts: previous.ts }
      : { kind: 'id-conflict' }
  }
  return isIdTaken(db, opId) ? { kind: 'id-conflict' } : null
}

/** Stores the change and returns it as the log's event. */
function insertGroupEvent(
  db: Database.Database,
  event: GroupEventRecord & { change: GroupChange; roster: GroupRoster },
): GroupEvent {
  prepare(db, 'INSERT INTO group_events (id, conversation_id, actor, ts, change, roster) VALUES (?, ?, ?, ?, ?, ?)').run(
    event.id,
    event.conversationId,
    event.actor,
    event.ts,
    JSON.stringify(event.change),
    JSON.stringify(event.roster),
  )
  return groupEvent(event)
}

/** Call inside a transaction. */
export function createGroup(db: Database.Database, group: NewGroup): CreateGroupResult {
  const repeat = repeatOf(db, group.opId, group.conversationId, group.actor)
  if (repeat) return repeat
  if (selectVersion(db, group.conversationId) !== null) return { kind: 'id-conflict' }

  const ts = nextTimestamp(db, group.now)
  prepare(db, 'INSERT INTO groups (conversation_id, name, created_by, created_at) VALUES (?, ?, ?, ?)').run(
    group.conversationId,
    group.name,
    group.actor,
    ts,
  )
  const insertMember = prepare(
    db,
    'INSERT INTO group_members (conversation_id, username, role, joined_at) VALUES (?, ?, ?, ?)',
  )
  for (const member of group.members) insertMember.run(group.conversationId, member.username, member.role, ts)
  const event = insertGroupEvent(db, {
    id: group.opId,
    conversationId: group.conversationId,
    actor: group.actor,
    ts,
    change: { type: 'created' },
    roster: { name: group.name, members: selectMembers(db, group.conversationId) },
  })
  const deliveries = group.members.map((m) => appendEvent(db, m.username, event))
  return { kind: 'created', ts, deliveries }
}

/** Call inside a transaction. */
export function changeGroup(db: Database.Database, request: GroupChangeRequest): GroupChangeResult {
  const repeat = repeatOf(db, request.opId, request.conversationId, request.actor)
  if (repeat) return repeat
  const group = selectGroup(db, request.conversationId)
  if (!group || group.version !== request.basedOn) return { kind: 'stale' }

  const ts = nextTimestamp(db, request.now)
  const after = new Map(request.members.map((m) => [m.username, m.role]))
  const before = new Map(group.members.map((m) => [m.username, m.role]))
  const remove = prepare(db, 'DELETE FROM group_members WHERE conversation_id = ? AND username = ?')
  const setRole = prepare(db, 'UPDATE group_members SET role = ? WHERE conversation_id = ? AND username = ?')
  const insert = prepare(db, 'INSERT INTO group_members (conversation_id, username, role, joined_at) VALUES (?, ?, ?, ?)')
  for (const username of before.keys()) if (!after.has(username)) remove.run(request.conversationId, username)
  // demotions first: the one-owner index must hold after every statement of a handover
  const changed = [...after].filter(([username, role]) => before.has(username) && before.get(username) !== role)
  changed.sort(([, a], [, b]) => (a === 'owner' ? 1 : 0) - (b === 'owner' ? 1 : 0))
  for (const [username, role] of changed) setRole.run(role, request.conversationId, username)
  for (const [username, role] of after) if (!before.has(username)) insert.run(request.conversationId, username, role, ts)
  prepare(db, 'UPDATE groups SET version = version + 1 WHERE conversation_id = ?').run(request.conversationId)

  const event = insertGroupEvent(db, {
    id: request.opId,
    conversationId: request.conversationId,
    actor: request.actor,
    ts,
    change: request.change,
    roster: { name: group.name, members: selectMembers(db, request.conversationId) },
  })
  const deliveries = request.audience.map((username) => appendEvent(db, username, event))
  return { kind: 'changed', ts, deliveries }
}
