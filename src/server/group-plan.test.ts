import { describe, expect, it } from 'vitest'
import { MAX_GROUP_MEMBERS } from '../shared/protocol'
import { planGroupChange } from './group-plan'
import type { GroupRecord } from './store/types'

const conversationId = 'g:0197a1f2-7c3e-7d10-8000-1f2e3d4c5b6a'
const group: GroupRecord = {
  conversationId,
  name: 'Team',
  version: 3,
  members: [
    { username: 'alice', role: 'owner' },
    { username: 'bob', role: 'admin' },
    { username: 'carol', role: 'member' },
  ],
}
const everyone = ['alice', 'bob', 'carol']

describe('planGroupChange', () => {
  it('adds only newcomers, as members, and tells everyone including them', () => {
    const plan = planGroupChange(group, 'bob', { kind: 'add', conversationId, usernames: ['dave', 'carol', 'dave'] })
    expect(plan).toEqual({
      kind: 'change',
      change: { type: 'added', usernames: ['dave'] },
      members: [...group.members, { username: 'dave', role: 'member' }],
      audience: [...everyone, 'dave'],
    })
    expect(planGroupChange(group, 'alice', { kind: 'add', conversationId, usernames: ['carol'] })).toEqual({ kind: 'unchanged' })
    expect(planGroupChange(group, 'carol', { kind: 'add', conversationId, usernames: ['dave'] })).toMatchObject({
      kind: 'refused',
      code: 'NOT_ALLOWED',
    })
  })

  it('refuses to grow a group past the limit', () => {
    const usernames = Array.from({ length: MAX_GROUP_MEMBERS - 2 }, (_, i) => `user${i}`)
    expect(planGroupChange(group, 'alice', { kind: 'add', conversationId, usernames })).toMatchObject({
      kind: 'refused',
      code: 'GROUP_FULL',
    })
    expect(planGroupChange(group, 'alice', { kind: 'add', conversationId, usernames: usernames.slice(1) })).toMatchObject({
      kind: 'change',
    })
  })

  it('removes by rank and tells the removed member too', () => {
    expect(planGroupChange(group, 'bob', { kind: 'remove', conversationId, username: 'carol' })).toEqual({
      kind: 'change',
      change: { type: 'removed', username: 'carol' },
      members: group.members.slice(0, 2),
      audience: everyone,
    })
    expect(planGroupChange(group, 'alice', { kind: 'remove', conversationId, username: 'bob' })).toMatchObject({ kind: 'change' })
    expect(planGroupChange(group, 'bob', { kind: 'remove', conversationId, username: 'alice' })).toMatchObject({ code: 'NOT_ALLOWED' })
    expect(planGroupChange(group, 'carol', { kind: 'remove', conversationId, username: 'bob' })).toMatchObject({ code: 'NOT_ALLOWED' })
    expect(planGroupChange(group, 'bob', { kind: 'remove', conversationId, username: 'bob' })).toMatchObject({ code: 'NOT_ALLOWED' })
    expect(planGroupChange(group, 'alice', { kind: 'remove', conversationId, username: 'zed' })).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('lets members leave but keeps the owner until they hand over', () => {
    expect(planGroupChange(group, 'carol', { kind: 'leave', conversationId })).toEqual({
      kind: 'change',
      change: { type: 'left', username: 'carol' },
      members: group.members.slice(0, 2),
      audience: everyone,
    })
    expect(planGroupChange(group, 'alice', { kind: 'leave', conversationId })).toMatchObject({ code: 'NOT_ALLOWED' })
    const alone: GroupRecord = { ...group, members: [{ username: 'alice', role: 'owner' }] }
    expect(planGroupChange(alone, 'alice', { kind: 'leave', conversationId })).toMatchObject({ kind: 'change', members: [] })
  })

  it('lets only the owner change roles; handing over makes the old owner an admin', () => {
    expect(planGroupChange(group, 'alice', { kind: 'set-role', conversationId, username: 'carol', role: 'admin' })).toMatchObject({
      kind: 'change',
      change: { type: 'role-changed', username: 'carol', role: 'admin' },
      members: [group.members[0], group.members[1], { username: 'carol', role: 'admin' }],
    })
    expect(planGroupChange(group, 'alice', { kind: 'set-role', conversationId, username: 'carol', role: 'owner' })).toMatchObject({
      members: [
        { username: 'alice', role: 'admin' },
        { username: 'bob', role: 'admin' },
        { username: 'carol', role: 'owner' },
      ],
    })
    expect(planGroupChange(group, 'alice', { kind: 'set-role', conversationId, username: 'bob', role: 'admin' })).toEqual({
      kind: 'unchanged',
    })
    expect(planGroupChange(group, 'bob', { kind: 'set-role', conversationId, username: 'carol', role: 'admin' })).toMatchObject({
      code: 'NOT_ALLOWED',
    })
    expect(planGroupChange(group, 'alice', { kind: 'set-role', conversationId, username: 'alice', role: 'member' })).toMatchObject({
      code: 'NOT_ALLOWED',
    })
    expect(planGroupChange(group, 'alice', { kind: 'set-role', conversationId, username: 'zed', role: 'admin' })).toMatchObject({
      code: 'NOT_FOUND',
    })
  })
})
