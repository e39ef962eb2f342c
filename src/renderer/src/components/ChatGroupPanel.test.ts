// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { fail, ok, type ConversationView, type GroupView, type MessageView } from '../../../shared/bridge'
import { conversationView, createFakeBridge, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useChatLayout } from '../testing/layout'
import { useConversationsStore } from '../stores/conversations'
import { useGroupsStore } from '../stores/groups'
import { useSessionStore } from '../stores/session'
import TheChat from './TheChat.vue'
import TheNewGroup from './TheNewGroup.vue'

const G = 'g:00000000-0000-7000-8000-0000000000aa'
useChatLayout()

function groupView(myRole: GroupView['myRole'], extra: Partial<GroupView> = {}): GroupView {
  const members: GroupView['members'] = [
    { username: 'alice', role: 'owner' },
    { username: 'bob', role: 'admin' },
    { username: 'carol', role: 'member' },
  ]
  return { conversationId: G, name: 'Trip', members, myRole, ...extra }
}

async function renderChat(me: string, group: GroupView, history: MessageView[] = []) {
  const bridge = createFakeBridge({
    getGroup: () => ok(group),
    listMessages: () => ok(history),
  })
  const ctx = createTestContext(bridge)
  const session = useSessionStore()
  session.user = me
  session.recallWindowSeconds = 120
  const conversation: ConversationView = conversationView({ id: G, kind: 'group', peer: null, title: 'Trip', memberCount: 3 })
  useConversationsStore().upsert(conversation)
  const wrapper = mount(TheChat, { props: { conversation }, global: ctx.global, attachTo: document.body })
  await flushPromises()
  return { ...ctx, wrapper }
}

type Wrapper = Awaited<ReturnType<typeof renderChat>>['wrapper']

async function openPanel(wrapper: Wrapper) {
  await wrapper.get('[data-testid="member-count"]').trigger('click')
  return wrapper.get('[data-testid="group-panel"]')
}

const member = (wrapper: Wrapper, username: string) => wrapper.get(`[data-testid="member"][data-username="${username}"]`)

describe('group chat header and members', () => {
  it('shows the name and member count, and the members with their roles', async () => {
    const { wrapper } = await renderChat('carol', groupView('member'))
    expect(wrapper.get('[data-testid="group-header"]').text()).toContain('Trip')
    expect(wrapper.get('[data-testid="member-count"]').text()).toBe('3 members')
    await openPanel(wrapper)
    expect(wrapper.findAll('[data-testid="member"]').map((m) => [m.attributes('data-username'), m.attributes('data-role')])).toEqual([
      ['alice', 'owner'],
      ['bob', 'admin'],
      ['carol', 'member'],
    ])
    // a plain member gets no actions, only leaving
    for (const id of ['member-remove', 'member-promote', 'member-demote', 'member-add']) {
      expect(wrapper.find(`[data-testid="${id}"]`).exists(), id).toBe(false)
    }
    expect(wrapper.get('[data-testid="group-leave"]').attributes('disabled')).toBeUndefined()
  })

  it('offers the owner role changes and removal; the owner cannot leave while others remain', async () => {
    const { wrapper, bridge } = await renderChat('alice', groupView('owner'))
    bridge.handlers.setRole = ({ username, role }) =>
      ok(groupView('owner', { members: [{ username: 'alice', role: 'owner' }, { username: 'bob', role: 'admin' }, { username, role }] }))
    await openPanel(wrapper)
    expect(member(wrapper, 'alice').find('[data-testid="member-remove"]').exists()).toBe(false)
    expect(member(wrapper, 'bob').find('[data-testid="member-demote"]').exists()).toBe(true)
    await member(wrapper, 'carol').get('[data-testid="member-promote"]').trigger('click')
    await flushPromises()
    expect(bridge.callsTo('setRole')).toEqual([{ conversationId: G, username: 'carol', role: 'admin' }])
    expect(member(wrapper, 'carol').attributes('data-role')).toBe('admin')
    expect(wrapper.get('[data-testid="group-leave"]').attributes('disabled')).toBeDefined()
  })

  it('lets an admin remove plain members only, and add members', async () => {
    const { wrapper, bridge } = await renderChat('bob', groupView('admin'))
    bridge.handlers.addMembers = () => fail('USER_NOT_FOUND', 'there is no user zed')
    await openPanel(wrapper)
    expect(member(wrapper, 'alice').find('[data-testid="member-remove"]').exists()).toBe(false)
    expect(member(wrapper, 'carol').find('[data-testid="member-remove"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="member-promote"]').exists()).toBe(false)
    await wrapper.get('[data-testid="member-add-username"]').setValue('Zed')
    await wrapper.get('[data-testid="member-add"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('addMembers')).toEqual([{ conversationId: G, usernames: ['zed'] }])
    expect(wrapper.get('[data-testid="group-panel"] [data-testid="error"]').text()).toBe('There is no user with that username.')
  })

  it('follows group:changed; once I am out, the composer gives way to a note', async () => {
    const { wrapper, bridge } = await renderChat('carol', groupView('member'))
    expect(wrapper.find('[data-testid="composer"]').exists()).toBe(true)
    bridge.emit('group:changed', { group: groupView(null, { members: groupView(null).members.slice(0, 2) }) })
    await flushPromises()
    expect(wrapper.get('[data-testid="member-count"]').text()).toBe('2 members')
    expect(wrapper.find('[data-testid="composer"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="not-member"]').text()).toBe('You are no longer a member of this group.')
  })
})

describe('removing someone else’s message', () => {
  it('is offered to admins as "Remove for everyone", with an optional reason', async () => {
    const theirs = textMessage({ conversationId: G, sender: 'carol', mine: false, text: 'spam spam' })
    const { wrapper, bridge } = await renderChat('bob', groupView('admin'), [theirs])
    const row = wrapper.get(`[data-testid="message"][data-message-id="${theirs.id}"]`)
    await row.get('[data-testid="message-menu"]').trigger('click')
    expect(row.get('[data-testid="withdraw"]').text()).toBe('Remove for everyone')
    await row.get('[data-testid="withdraw"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('Remove this message for everyone?')
    await wrapper.get('[data-testid="withdraw-reason"]').setValue('  off topic ')
    await wrapper.get('[data-testid="confirm-withdraw"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('withdrawMessage')).toEqual([{ messageId: theirs.id, reason: 'off topic' }])
  })

  it('is not offered to plain members', async () => {
    const theirs = textMessage({ conversationId: G, sender: 'bob', mine: false })
    const { wrapper } = await renderChat('carol', groupView('member'), [theirs])
    const row = wrapper.get(`[data-testid="message"][data-message-id="${theirs.id}"]`)
    await row.get('[data-testid="message-menu"]').trigger('click')
    expect(row.find('[data-testid="withdraw"]').exists()).toBe(false)
  })
})

describe('TheNewGroup', () => {
  it('creates a group from a name and a list of usernames, and opens it', async () => {
    const bridge = createFakeBridge({
      createGroup: ({ name }) => ok(conversationView({ id: G, kind: 'group', peer: null, title: name, memberCount: 3 })),
      getGroup: () => ok(groupView('owner')),
    })
    const ctx = createTestContext(bridge)
    useSessionStore().user = 'alice'
    const wrapper = mount(TheNewGroup, { global: ctx.global, attachTo: document.body })
    await wrapper.get('[data-testid="new-group"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="group-create"]').trigger('submit')
    expect(wrapper.get('[data-testid="error"]').text()).toBe('Give the group a name.')
    await wrapper.get('[data-testid="group-name"]').setValue(' Trip ')
    await wrapper.get('[data-testid="group-members"]').setValue('Bob, carol  alice,bob')
    await wrapper.get('[data-testid="group-create"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('createGroup')).toEqual([{ name: 'Trip', members: ['bob', 'carol'] }])
    expect(useConversationsStore().activeId).toBe(G)
    expect(useGroupsStore().myRole(G)).toBe('owner')
    expect(wrapper.find('[data-testid="group-name"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
