// @vitest-environment happy-dom
/**
 * A narrow window (below 640 px) shows the chat list or one chat, with a way back, instead
 * of squeezing a chat beside a 300 px list. happy-dom evaluates the media query against
 * its viewport and reports resizes, so the layout switches here as it does in a browser.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ok } from '../../../shared/bridge'
import { conversationView, createFakeBridge, sessionView } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { fakeListLayout } from '../testing/layout'
import { useConversationsStore } from '../stores/conversations'
import { useSessionStore } from '../stores/session'
import { useSettingsStore } from '../stores/settings'
import TheWorkspace from './TheWorkspace.vue'

const BOB = 'dm:alice:bob'
const CAROL = 'dm:alice:carol'

function setWidth(width: number): void {
  ;(window as unknown as { happyDOM: { setViewport(v: { width: number; height: number }): void } }).happyDOM.setViewport({
    width,
    height: 800,
  })
}

let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = fakeListLayout({ viewport: 2000, row: 40 })
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  setWidth(480)
})
afterEach(() => {
  restoreLayout()
  vi.restoreAllMocks()
  setWidth(1024)
  document.body.innerHTML = ''
})

async function render() {
  const bridge = createFakeBridge({
    getSession: () => ok(sessionView({ user: 'alice' })),
    listConversations: () =>
      ok([conversationView({ id: BOB, peer: 'bob', title: 'bob' }), conversationView({ id: CAROL, peer: 'carol', title: 'carol', unread: 2 })]),
  })
  const ctx = createTestContext(bridge)
  await useSessionStore().load()
  await useSettingsStore().load()
  const wrapper = mount(TheWorkspace, { global: ctx.global, attachTo: document.body })
  await flushPromises()
  return { ...ctx, wrapper }
}

const conversation = (wrapper: Awaited<ReturnType<typeof render>>['wrapper'], peer: string) =>
  wrapper.get(`[data-testid="conversation"][data-peer="${peer}"]`)

describe('the workspace in a narrow window', () => {
  it('shows the whole list, then the chat in its place, then the list again', async () => {
    const { wrapper } = await render()
    const workspace = wrapper.get('.workspace')
    expect(workspace.attributes()).toMatchObject({ 'data-layout': 'narrow', 'data-pane': 'list' })
    expect(conversation(wrapper, 'bob').isVisible()).toBe(true)
    expect(wrapper.get('main').isVisible()).toBe(false)

    await conversation(wrapper, 'bob').trigger('click')
    await flushPromises()
    expect(workspace.attributes('data-pane')).toBe('chat')
    expect(conversation(wrapper, 'bob').isVisible()).toBe(false)
    expect(wrapper.get('[data-testid="chat"]').isVisible()).toBe(true)
    // The composer takes the focus the hidden list item had.
    expect(document.activeElement).toBe(wrapper.get('[data-testid="composer"]').element)
    // Carol's two unread messages are on the way back, since her list entry is hidden.
    const back = wrapper.get('[data-testid="back-to-list"]')
    expect(back.attributes()).toMatchObject({ 'data-unread': '2', 'aria-label': 'Back to chats, 2 unread messages' })
    expect(back.text()).toContain('2')

    await back.trigger('click')
    await flushPromises()
    expect(workspace.attributes('data-pane')).toBe('list')
    // Closed, not hidden: messages arriving in it are not marked read behind the user's back.
    expect(useConversationsStore().activeId).toBeNull()
    expect(wrapper.find('[data-testid="chat"]').exists()).toBe(false)
    expect(document.activeElement).toBe(conversation(wrapper, 'bob').element)
    wrapper.unmount()
  })

  it('switches between side by side and one at a time as the window is resized', async () => {
    // Starting wide: happy-dom's media query reports changes relative to "no match".
    setWidth(1024)
    const { wrapper } = await render()
    await conversation(wrapper, 'bob').trigger('click')
    await flushPromises()
    expect(wrapper.get('.workspace').attributes()).toMatchObject({ 'data-layout': 'wide', 'data-pane': 'both' })
    expect(wrapper.find('[data-testid="back-to-list"]').exists()).toBe(false)

    setWidth(639)
    await flushPromises()
    expect(wrapper.get('.workspace').attributes()).toMatchObject({ 'data-layout': 'narrow', 'data-pane': 'chat' })
    expect(conversation(wrapper, 'bob').isVisible()).toBe(false)
    expect(wrapper.find('[data-testid="back-to-list"]').exists()).toBe(true)

    setWidth(640)
    await flushPromises()
    expect(wrapper.get('.workspace').attributes()).toMatchObject({ 'data-layout': 'wide', 'data-pane': 'both' })
    expect(conversation(wrapper, 'bob').isVisible()).toBe(true)
    expect(wrapper.get('[data-testid="chat"]').isVisible()).toBe(true)
    expect(wrapper.find('[data-testid="back-to-list"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('brings the list back for the commands that live in it', async () => {
    const { wrapper, bridge } = await render()
    await conversation(wrapper, 'bob').trigger('click')
    await flushPromises()

    bridge.emit('ui:menu-command', { command: 'new-chat' })
    await flushPromises()
    expect(wrapper.get('.workspace').attributes('data-pane')).toBe('list')
    const field = wrapper.get('[data-testid="new-chat-username"]')
    expect(field.isVisible()).toBe(true)
    expect(document.activeElement).toBe(field.element)
    wrapper.unmount()
  })
})
