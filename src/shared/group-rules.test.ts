import { describe, expect, it } from 'vitest'
import { mayAddMembers, mayChangeRoles, mayLeave, mayRemoveMember } from './group-rules'

describe('group rules', () => {
  it('lets owners and admins add members', () => {
    expect([mayAddMembers('owner'), mayAddMembers('admin'), mayAddMembers('member'), mayAddMembers(null)]).toEqual([
      true,
      true,
      false,
      false,
    ])
  })

  it('lets the owner remove anyone else and admins remove plain members only', () => {
    expect(mayRemoveMember('owner', 'admin')).toBe(true)
    expect(mayRemoveMember('owner', 'member')).toBe(true)
    expect(mayRemoveMember('owner', 'owner')).toBe(false)
    expect(mayRemoveMember('admin', 'member')).toBe(true)
    expect(mayRemoveMember('admin', 'admin')).toBe(false)
    expect(mayRemoveMember('admin', 'owner')).toBe(false)
    expect(mayRemoveMember('member', 'member')).toBe(false)
    expect(mayRemoveMember(null, 'member')).toBe(false)
  })

  it('lets only the owner change roles', () => {
    expect([mayChangeRoles('owner'), mayChangeRoles('admin'), mayChangeRoles('member')]).toEqual([true, false, false])
  })

  it('keeps the owner in while others remain', () => {
    expect(mayLeave('member', 3)).toBe(true)
    expect(mayLeave('admin', 3)).toBe(true)
    expect(mayLeave('owner', 3)).toBe(false)
    expect(mayLeave('owner', 1)).toBe(true)
    expect(mayLeave(null, 3)).toBe(false)
  })
})
