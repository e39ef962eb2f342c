import type { GroupChange, GroupEvent, GroupMember, GroupRoster } from '../../../shared/protocol'
import type { Role } from '../../../shared/group-rules'
import { groupEvent } from '../events'
import type {
  CreateGroupResult,
  GroupChangeRequest,
  GroupChangeResult,
  GroupEventRecord,
  GroupRecord,
  NewGroup,
} from '../types'
import { appendEventToLogs, lockCounters, nextTimestamp } from './log'
import { bytesText, query, queryOne, type Sql, statement, textBytes } from './sql'

const SELECT_ROLE = statement('select_role', 'SELECT role FROM group_members WHERE conversation_id = $1 AND username = $2')
const SELECT_MEMBERS = statement(
  'select_members',
  'SELECT username, role FROM group_members WHERE conversation_id = $1 ORDER BY joined_at, username',
)
// one statement, so the name, version and roster come from one snapshot
const SELECT_GROUP = statement(
  'select_group',
  `SELECT g.name, g.version, m.username, m.role
   FROM groups g LEFT JOIN group_members m ON m.conversation_id = g.conversation_id
   WHERE g.conversation_id = $1
   ORDER BY m.joined_at, m.username`,
)
const SELECT_VERSION = statement('select_version', 'SELECT version FROM groups WHERE conversation_id = $1')
const SELECT_GROUP_EVENT = statement('select_group_event', 'SELECT id, conversation_id, actor, ts FROM group_events WHERE id = $1')
const ID_TAKEN = statement(
  'id_taken',
  `SELECT 1 FROM messages WHERE id = $1
   UNION ALL SELECT 1 FROM tombstones WHERE msg_id = $1 OR cmd_id = $1
   UNION ALL SELECT 1 FROM group_events WHERE id = $1
   LIMIT 1`,
)
const INSERT_GROUP_EVENT = statement(
  'insert_group_event',
  'INSERT INTO group_events (id, conversation_id, actor, ts, change, roster) VALUES ($1, $2, $3, $4, $5, $6)',
)
const INSERT_GROUP = statement('insert_group', 'INSERT INTO groups (conversation_id, name, created_by, created_at) VALUES ($1, $2, $3, $4)')
const INSERT_MEMBERS = statement(
  'insert_members',
  `INSERT INTO group_members (conversation_id, username, role, joined_at)
   SELECT $1::text, username, role, $4::bigint FROM unnest($2::text[], $3::text[]) AS m (username, role)`,
)
const REMOVE_MEMBER = statement('remove_member', 'DELETE FROM group_members WHERE conversation_id = $1 AND username = $2')
const SET_ROLE = statement('set_role', 'UPDATE group_members SET role = $3 WHERE conversation_id = $1 AND username = $2')
const BUMP_VERSION = statement('bump_version', 'UPDATE groups SET version = version + 1 WHERE conversation_id = $1')

export async function selectRole(sql: Sql, conversationId: string, username: string): Promise<Role | null> {
  return (await queryOne<{ role: Role }>(sql, SELECT_ROLE, [conversationId, username]))?.role ?? null
}

async function selectMembers(sql: Sql, conversationId: string): Promise<GroupMember[]> {
  return query<GroupMember>(sql, SELECT_MEMBERS, [conversationId])
}

export async function selectMemberNames(sql: Sql, conversationId: string): Promise<string[]> {
  return (await selectMembers(sql, conversationId)).map((m) => m.username)
}

export async function selectGroup(sql: Sql, conversationId: string): Promise<GroupRecord | null> {
  const rows = await query<{ name: Buffer; version: number; username: string | null; role: Role | null }>(sql, SELECT_GROUP, [
    conversationId,
  ])
  const first = rows[0]
  if (!first) return null
  const members = rows.filter((r) => r.username !== null).map((r) => ({ username: r.username!, role: r.role! }))
  return { conversationId, name: bytesText(first.name), version: first.version, members }
}

export async function selectGroupEvent(sql: Sql, id: string): Promise<GroupEventRecord | null> {
  const row = await queryOne<{ id: string; conversation_id: string; actor: string; ts: number }>(sql, SELECT_GROUP_EVENT, [id])
  return row ? { id: row.id, conversationId: row.conversation_id, actor: row.actor, ts: row.ts } : null
}

/**
 * Whether a writer that read the group at `version` still sees it as it is. Sound inside a
 * unit that holds the conversation's counter row: every roster change holds it too.
 */
export async function isCurrentVersion(sql: Sql, conversationId: string, version: number | undefined): Promise<boolean> {
  if (version === undefined) return true
  return (await queryOne<{ version: number }>(sql, SELECT_VERSION, [conversationId]))?.version === version
}

export async function isGroupEventId(sql: Sql, id: string): Promise<boolean> {
  return (await selectGroupEvent(sql, id)) !== null
}

/** The same op again answers with its first ts; any other use of its id is a conflict. */
async function repeatOf(
  sql: Sql,
  opId: string,
  conversationId: string,
  actor: string,
): Promise<{ kind: 'duplicate'; ts: number } | { kind: 'id-conflict' } | null> {
  const previous = await selectGroupEvent(sql, opId)
  if (previous) {
    return previous.conversationId === conversationId && previous.actor === actor
      ? { kind: 'duplicate', ts: previous.ts }
      : { kind: 'id-conflict' }
  }
  return (await queryOne(sql, ID_TAKEN, [opId])) ? { kind: 'id-conflict' } : null
}

async function insertGroupEvent(sql: Sql, event: GroupEventRecord & { change: GroupChange; roster: GroupRoster }): Promise<GroupEvent> {
  await query(sql, INSERT_GROUP_EVENT, [
    event.id,
    event.conversationId,
    event.actor,
    event.ts,
    JSON.stringify(event.change),
    JSON.stringify(event.roster),
  ])
  return groupEvent(event)
}

/** Call inside a transaction. */
export async function createGroup(sql: Sql, group: NewGroup): Promise<CreateGroupResult> {
  const members = group.members.map((m) => m.username)
  await lockCounters(sql, { conversations: [group.conversationId], users: members })
  const repeat = await repeatOf(sql, group.opId, group.conversationId, group.actor)
  if (repeat) return repeat
  if ((await queryOne(sql, SELECT_VERSION, [group.conversationId])) !== null) return { kind: 'id-conflict' }

  const ts = await nextTimestamp(sql, group.conversationId)
  await query(sql, INSERT_GROUP, [group.conversationId, textBytes(group.name), group.actor, ts])
  await query(sql, INSERT_MEMBERS, [group.conversationId, members, group.members.map((m) => m.role), ts])
  const event = await insertGroupEvent(sql, {
    id: group.opId,
    conversationId: group.conversationId,
    actor: group.actor,
    ts,
    change: { type: 'created' },
    roster: { name: group.name, members: await selectMembers(sql, group.conversationId) },
  })
  const deliveries = await appendEventToLogs(sql, members, { event })
  return { kind: 'created', ts, deliveries }
}

/** Call inside a transaction. */
export async function changeGroup(sql: Sql, request: GroupChangeRequest): Promise<GroupChangeResult> {
  await lockCounters(sql, { conversations: [request.conversationId], users: request.audience })
  const repeat = await repeatOf(sql, request.opId, request.conversationId, request.actor)
  if (repeat) return repeat
  const group = await selectGroup(sql, request.conversationId)
  if (!group || group.version !== request.basedOn) return { kind: 'stale' }

  const ts = await nextTimestamp(sql, request.conversationId)
  const after = new Map(request.members.map((m) => [m.username, m.role]))
  const before = new Map(group.members.map((m) => [m.username, m.role]))
  for (const username of before.keys()) if (!after.has(username)) await query(sql, REMOVE_MEMBER, [request.conversationId, username])
  // demotions first: the one-owner index must hold after every statement of a handover
  const changed = [...after].filter(([username, role]) => before.has(username) && before.get(username) !== role)
  changed.sort(([, a], [, b]) => (a === 'owner' ? 1 : 0) - (b === 'owner' ? 1 : 0))
  for (const [username, role] of changed) await query(sql, SET_ROLE, [request.conversationId, username, role])
  const joined = [...after].filter(([username]) => !before.has(username))
  if (joined.length > 0) {
    await query(sql, INSERT_MEMBERS, [request.conversationId, joined.map(([u]) => u), joined.map(([, r]) => r), ts])
  }
  await query(sql, BUMP_VERSION, [request.conversationId])

  const event = await insertGroupEvent(sql, {
    id: request.opId,
    conversationId: request.conversationId,
    actor: request.actor,
    ts,
    change: request.change,
    roster: { name: group.name, members: await selectMembers(sql, request.conversationId) },
  })
  const deliveries = await appendEventToLogs(sql, request.audience, { event })
  return { kind: 'changed', ts, deliveries }
}
