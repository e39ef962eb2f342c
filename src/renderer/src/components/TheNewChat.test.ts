// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fail } from '../../../shared/bridge'
import { createFakeBridge } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useConversationsStore } from '../stores/conversations'
import { useSessionStore } from '../stores/session'
import TheNewChat from './TheNewChat.vue'

afterEach(() => {
  document.body.innerHTML = ''
})

async function render(bridge = createFakeBridge()) {
  const ctx = createTestContext(bridge)
  useSessionStore().user = 'alice'
  const wrapper = mount(TheNewChat, { global: ctx.global, attachTo: document.body })
  await wrapper.get('[data-testid="new-chat"]').trigger('click')
  return { ...ctx, wrapper }
}

describe('TheNewChat', () => {
  it('opens a chat with the typed user', async () => {
    const { wrapper, bridge } = await render()
    await wrapper.get('[data-testid="new-chat-username"]').setValue('Bob')
    await wrapper.get('[data-testid="new-chat-start"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('openDirect')).toEqual([{ username: 'bob' }])
    expect(useConversationsStore().activeId).toBe('dm:alice:bob')
    expect(wrapper.find('[data-testid="new-chat-username"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows USER_NOT_FOUND and keeps the field open', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { wrapper } = await render(createFakeBridge({ openDirect: () => fail('USER_NOT_FOUND', 'no') }))
    await wrapper.get('[data-testid="new-chat-username"]').setValue('nobody')
    await wrapper.get('[data-testid="new-chat-start"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="error"]').text()).toBe('There is no user with that username.')
    expect(wrapper.find('[data-testid="new-chat-username"]').exists()).toBe(true)
    warn.mockRestore()
    wrapper.unmount()
  })

  it('refuses invalid names and yourself without asking main', async () => {
    const { wrapper, bridge } = await render()
    await wrapper.get('[data-testid="new-chat-username"]').setValue('x')
    await wrapper.get('[data-testid="new-chat-start"]').trigger('submit')
    expect(wrapper.get('[data-testid="error"]').text()).toContain('Usernames are 3–32 characters')
    await wrapper.get('[data-testid="new-chat-username"]').setValue('alice')
    await wrapper.get('[data-testid="new-chat-start"]').trigger('submit')
    expect(wrapper.get('[data-testid="error"]').text()).toBe('That is you: enter someone else’s username.')
    expect(bridge.callsTo('openDirect')).toEqual([])
    wrapper.unmount()
  })
})
