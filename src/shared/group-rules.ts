/**
 * Group roles, and who may change a group and how. Pure: the server enforces these rules,
 * and the UI uses the same ones to offer only the actions that will work. Withdraw rules
 * (src/shared/withdraw-rules.ts) build on the same roles.
 *
 * - The creator is the owner; a group has exactly one owner.
 * - Owners and admins add members (as plain members).
 * - The owner removes anyone else; admins remove plain members only.
 * - Only the owner changes roles: member <-> admin, or hands ownership to another member
 *   (the old owner becomes an admin).
 * - Anyone leaves, except the owner while others remain: the owner hands ownership over
 *   first (the last member, owner or not, may leave; the group then has no members).
 */

/** Every role a member can hold. 1:1 conversations have two plain members. */
export const ROLES = ['owner', 'admin', 'member'] as const
export type Role = (typeof ROLES)[number]

/** Owners and admins moderate a group: they add members and may withdraw anyone's message. */
export const isModerator = (role: Role | null): boolean => role === 'owner' || role === 'admin'

export function mayAddMembers(actorRole: Role | null): boolean {
  return isModerator(actorRole)
}

export function mayRemoveMember(actorRole: Role | null, targetRole: Role): boolean {
  if (actorRole === 'owner') return targetRole !== 'owner'
  return actorRole === 'admin' && targetRole === 'member'
}

/** Roles of others; ownership moves with `role: 'owner'`. */
export function mayChangeRoles(actorRole: Role | null): boolean {
  return actorRole === 'owner'
}

export function mayLeave(actorRole: Role | null, memberCount: number): boolean {
  if (actorRole === null) return false
  return actorRole !== 'owner' || memberCount <= 1
}
