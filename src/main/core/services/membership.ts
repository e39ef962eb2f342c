import type { Database } from 'better-sqlite3'
import { directMembers } from '../../../shared/protocol'
import type { Role } from '../../../shared/group-rules'
import { ensureConversation } from '../db/queries/conversations'
import { roleAt } from '../db/queries/groups'

/**
 * The actor's role in a conversation, from this device's own data: 1:1 members are
 * 'member'; in a group, the role from the rosters the server sent, as held at server
 * time `at` (now when absent), so a withdraw is judged by the role its actor had when
 * the server stamped it.
 */
export function roleIn(db: Database, conversationId: string, username: string, at?: number): Role | null {
  const members = directMembers(conversationId)
  if (members) return members.includes(username) ? 'member' : null
  return roleAt(db, conversationId, username, at)
}

/** Whether `me` belongs to the conversation (now) as far as this device can tell. */
export function isMember(db: Database, conversationId: string, me: string): boolean {
  return roleIn(db, conversationId, me) !== null
}

/** Create the local conversation on first sight; true when created. */
export function ensureConversationFor(db: Database, conversationId: string, me: string, now: number): boolean {
  const members = directMembers(conversationId)
  if (members) {
    const peer = members[0] === me ? members[1] : members[0]
    return ensureConversation(db, { id: conversationId, kind: 'direct', peer, title: peer, createdAt: now })
  }
  // groups are created from their first group event, which names them; this is only a fallback
  return ensureConversation(db, { id: conversationId, kind: 'group', peer: null, title: 'Group', createdAt: now })
}
