// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ok } from '../../../shared/bridge'
import { conversationView, createFakeBridge, noticeFor, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useConversationsStore } from '../stores/conversations'
import { useSessionStore } from '../stores/session'
import TheConversationList from './TheConversationList.vue'

afterEach(() => {
  document.body.innerHTML = ''
})

async function render(conversations = [conversationView()]) {
  const bridge = createFakeBridge({ listConversations: () => ok(conversations) })
  const ctx = createTestContext(bridge)
  useSessionStore().user = 'alice'
  const wrapper = mount(TheConversationList, { global: ctx.global, attachTo: document.body })
  await flushPromises()
  return { ...ctx, wrapper }
}

describe('TheConversationList', () => {
  it('shows peers most recent first with previews and unread counts', async () => {
    const fromBob = textMessage({ sender: 'bob', text: 'see you\nsoon', ts: 200 })
    const toCarol = textMessage({ mine: true, conversationId: 'dm:alice:carol', text: 'ok', ts: 300 })
    const { wrapper } = await render([
      conversationView({ id: 'dm:alice:bob', peer: 'bob', title: 'bob', lastMessage: fromBob, lastTs: 200, unread: 2 }),
      conversationView({ id: 'dm:alice:carol', peer: 'carol', title: 'carol', lastMessage: toCarol, lastTs: 300 }),
    ])
    const items = wrapper.findAll('[data-testid="conversation"]')
    expect(items.map((i) => i.attributes('data-peer'))).toEqual(['carol', 'bob'])
    expect(items[0]!.get('[data-testid="conversation-preview"]').text()).toBe('You: ok')
    expect(items[1]!.get('[data-testid="conversation-preview"]').text()).toBe('see you soon')
    expect(items[1]!.get('[data-testid="unread-count"]').text()).toBe('2')
    expect(items[0]!.find('[data-testid="unread-count"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('previews a withdrawn message as its notice', async () => {
    const withdrawn = noticeFor(textMessage({ sender: 'bob', text: 'secret' }))
    const { wrapper } = await render([conversationView({ lastMessage: withdrawn, lastTs: withdrawn.ts })])
    expect(wrapper.get('[data-testid="conversation-preview"]').text()).toBe('bob withdrew a message')
    expect(wrapper.text()).not.toContain('secret')
    wrapper.unmount()
  })

  it('clicking opens the conversation and marks it read', async () => {
    const { wrapper, bridge } = await render([conversationView({ unread: 4, lastTs: 1 })])
    await wrapper.get('[data-testid="conversation"]').trigger('click')
    await flushPromises()
    expect(useConversationsStore().activeId).toBe('dm:alice:bob')
    expect(bridge.callsTo('markRead')).toEqual([{ conversationId: 'dm:alice:bob' }])
    expect(wrapper.find('[data-testid="unread-count"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="conversation"]').attributes('aria-current')).toBe('true')
    wrapper.unmount()
  })
})
