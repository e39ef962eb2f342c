/**
 * What a group op would do to a roster, decided by the shared rules (src/shared/group-rules.ts).
 * Pure: the caller reads the group, plans, and asks the store to apply the plan only if the
 * group is still at the version the plan was made on.
 */
import { type GroupChange, type GroupMember, type GroupOp, MAX_GROUP_MEMBERS } from '../shared/protocol'
import { mayAddMembers, mayChangeRoles, mayLeave, mayRemoveMember } from '../shared/group-rules'
import type { GroupRecord } from './store/types'

export type ChangeOp = Exclude<GroupOp, { kind: 'create' }>

export type GroupPlan =
  | {
      kind: 'change'
      change: GroupChange
      /** The roster after the change. */
      members: GroupMember[]
      /** Who hears of it: everyone who was a member before or is one after. */
      audience: string[]
    }
  /** Nothing to do (already a member, already that role): the op succeeds without an event. */
  | { kind: 'unchanged' }
  | { kind: 'refused'; code: 'NOT_ALLOWED' | 'NOT_FOUND' | 'GROUP_FULL'; message: string }

export function planGroupChange(group: GroupRecord, actor: string, op: ChangeOp): GroupPlan {
  const roleOf = (username: string) => group.members.find((m) => m.username === username)?.role ?? null
  const actorRole = roleOf(actor)
  const everyone = group.members.map((m) => m.username)

  switch (op.kind) {
    case 'add': {
      if (!mayAddMembers(actorRole)) return refused('NOT_ALLOWED', 'only the owner and admins add members')
      const newcomers = [...new Set(op.usernames)].filter((username) => roleOf(username) === null)
      if (newcomers.length === 0) return { kind: 'unchanged' }
      if (everyone.length + newcomers.length > MAX_GROUP_MEMBERS) {
        return refused('GROUP_FULL', `a group has at most ${MAX_GROUP_MEMBERS} members`)
      }
      const members = [...group.members, ...newcomers.map((username): GroupMember => ({ username, role: 'member' }))]
      return change({ type: 'added', usernames: newcomers }, members, members.map((m) => m.username))
    }
    case 'remove': {
      const targetRole = roleOf(op.username)
      if (targetRole === null) return refused('NOT_FOUND', `${op.username} is not a member of this group`)
      if (op.username === actor) return refused('NOT_ALLOWED', 'to leave a group, leave it instead of removing yourself')
      if (!mayRemoveMember(actorRole, targetRole)) {
        return refused('NOT_ALLOWED', 'the owner removes anyone; admins remove members who are not admins')
      }
      return change(
        { type: 'removed', username: op.username },
        group.members.filter((m) => m.username !== op.username),
        everyone,
      )
    }
    case 'leave':
      if (!mayLeave(actorRole, everyone.length)) {
        return refused('NOT_ALLOWED', 'the owner makes another member the owner before leaving')
      }
      return change({ type: 'left', username: actor }, group.members.filter((m) => m.username !== actor), everyone)
    case 'set-role': {
      if (!mayChangeRoles(actorRole)) return refused('NOT_ALLOWED', 'only the owner changes roles')
      const targetRole = roleOf(op.username)
      if (targetRole === null) return refused('NOT_FOUND', `${op.username} is not a member of this group`)
      if (op.username === actor) {
        return refused('NOT_ALLOWED', 'the owner hands ownership over by making another member the owner')
      }
      if (targetRole === op.role) return { kind: 'unchanged' }
      const members = group.members.map((m): GroupMember => {
        if (m.username === op.username) return { ...m, role: op.role }
        // a group has one owner: handing over makes the old owner an admin
        if (op.role === 'owner' && m.role === 'owner') return { ...m, role: 'admin' }
        return m
      })
      return change({ type: 'role-changed', username: op.username, role: op.role }, members, everyone)
    }
  }
}

function change(change: GroupChange, members: GroupMember[], audience: string[]): GroupPlan {
  return { kind: 'change', change, members, audience }
}

function refused(code: 'NOT_ALLOWED' | 'NOT_FOUND' | 'GROUP_FULL', message: string): GroupPlan {
  return { kind: 'refused', code, message }
}
