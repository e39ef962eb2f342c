/**
 * Who is in a conversation and with which role. 1:1 conversations are implicit (their id
 * names both members, sorted); groups live in the store, which answers for their roles.
 */
import { directConversationId, directMembers } from '../shared/protocol'
import type { Role } from '../shared/group-rules'
import type { ChatStore } from './store/types'

export type Access =
  | {
      ok: true
      role: Role
      members: string[]
      /** For a group: the roster version this answer was read at (writers pass it back to the store). */
      groupVersion?: number
    }
  | { ok: false; code: 'BAD_FRAME' | 'NOT_MEMBER' | 'USER_NOT_FOUND'; message: string }

/**
 * How often a write decided on a group roster is retried when the roster changed under it.
 * Each retry means another change committed, so running out takes a flood of changes.
 */
export const STALE_ROSTER_ATTEMPTS = 8

/** What `decide` answers when the store found the group changed since it read the roster. */
export const STALE = Symbol('stale roster')

/**
 * Read the roster, decide and write: again, on the new roster, while the group changed in
 * between (the store refuses a write decided on an old roster version, so the new roster
 * decides). `what` names the write in the error once the group kept changing.
 */
export async function onCurrentRoster<T>(conversationId: string, what: string, decide: () => Promise<T | typeof STALE>): Promise<T> {
  for (let attempt = 1; attempt <= STALE_ROSTER_ATTEMPTS; attempt++) {
    const result = await decide()
    if (result !== STALE) return result
  }
  throw new Error(`group ${conversationId} kept changing; ${what}`)
}

export async function accessConversation(store: ChatStore, conversationId: string, actor: string): Promise<Access> {
  const pair = directMembers(conversationId)
  if (pair) {
    const [a, b] = pair
    if (directConversationId(a, b) !== conversationId) {
      return { ok: false, code: 'BAD_FRAME', message: `1:1 conversation ids list both usernames sorted: ${directConversationId(a, b)}` }
    }
    if (actor !== a && actor !== b) return notMember()
    const peer = actor === a ? b : a
    if (peer !== actor && !(await store.findUser(peer))) {
      return { ok: false, code: 'USER_NOT_FOUND', message: `there is no user ${peer}` }
    }
    return { ok: true, role: 'member', members: a === b ? [a] : [a, b] }
  }
  const group = await store.findGroup(conversationId)
  const self = group?.members.find((m) => m.username === actor)
  if (!group || !self) return notMember()
  return { ok: true, role: self.role, members: group.members.map((m) => m.username), groupVersion: group.version }
}

function notMember(): Access {
  return { ok: false, code: 'NOT_MEMBER', message: 'you are not a member of this conversation' }
}
