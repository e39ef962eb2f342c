import type { Database } from 'better-sqlite3'
import { directMembers } from '../../../shared/protocol'
import type { Role } from '../../../shared/recall'
import { ensureConversation, getConversation } from '../db/queries/conversations'

/**
 * The actor's role in a conversation, from this device's own data. 1:1 members are
 * 'member'. Groups plug in here (owner/admin from their member list) once they exist;
 * until then nobody holds a role in one, so nothing there is withdrawn on a client.
 */
export function roleIn(_db: Database, conversationId: string, username: string): Role | null {
  const members = directMembers(conversationId)
  if (members) return members.includes(username) ? 'member' : null
  return null
}

/** Whether `me` belongs to the conversation as far as this device can tell. */
export function isMember(db: Database, conversationId: string, me: string): boolean {
  const members = directMembers(conversationId)
  if (members) return members.includes(me)
  return getConversation(db, conversationId) !== null
}

export function chatTypeOf(conversationId: string): 'Chat' | 'GroupChat' {
  return directMembers(conversationId) ? 'Chat' : 'GroupChat'
}

/** Create the local conversation on first sight; true when created. */
export function ensureConversationFor(db: Database, conversationId: string, me: string, now: number): boolean {
  const members = directMembers(conversationId)
  if (members) {
    const peer = members[0] === me ? members[1] : members[0]
    return ensureConversation(db, { id: conversationId, kind: 'direct', peer, title: peer, createdAt: now })
  }
  return ensureConversation(db, { id: conversationId, kind: 'group', peer: null, title: 'Group', createdAt: now })
}
