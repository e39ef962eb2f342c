// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, ok } from '../../shared/bridge'
import { conversationView, createFakeBridge, sessionView } from './testing/fake-bridge'
import { createTestContext } from './testing/context'
import { LOCALE_STORAGE_KEY } from './i18n'
import { useSessionStore } from './stores/session'
import { useSettingsStore } from './stores/settings'
import App from './App.vue'

afterEach(() => {
  document.body.innerHTML = ''
  localStorage.clear()
})

async function start(bridge = createFakeBridge()) {
  const ctx = createTestContext(bridge)
  const wrapper = mount(App, { global: ctx.global, attachTo: document.body })
  await useSessionStore().load()
  await useSettingsStore().load()
  await flushPromises()
  return { ...ctx, wrapper }
}

describe('App', () => {
  it('shows the sign-in screen when nobody is signed in', async () => {
    const { wrapper } = await start()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="new-chat"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows the workspace for a signed-in user, in the profile language', async () => {
    const bridge = createFakeBridge({
      getSession: () => ok(sessionView({ user: 'alice' })),
      getSettings: () => ok({ ...DEFAULT_SETTINGS, language: 'zh-CN' as const }),
      listConversations: () => ok([conversationView()]),
    })
    const { wrapper } = await start(bridge)
    expect(wrapper.get('[data-testid="current-user"]').text()).toBe('alice')
    expect(wrapper.get('[data-testid="new-chat"]').text()).toContain('发起聊天')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('zh-CN')
    wrapper.unmount()
  })

  it('the language switch applies at once and is saved in the profile', async () => {
    const { wrapper, bridge } = await start()
    await wrapper.get('[data-testid="language"]').setValue('zh-CN')
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in"]').text()).toBe('登录')
    expect(bridge.callsTo('updateSettings')).toEqual([{ language: 'zh-CN' }])
    wrapper.unmount()
  })

  it('the desktop menu can open "New chat" and switch conversations', async () => {
    const bridge = createFakeBridge({
      getSession: () => ok(sessionView({ user: 'alice' })),
      listConversations: () =>
        ok([conversationView({ id: 'dm:alice:bob', lastTs: 2 }), conversationView({ id: 'dm:alice:carol', peer: 'carol', title: 'carol', lastTs: 1 })]),
    })
    const { wrapper } = await start(bridge)
    bridge.emit('ui:menu-command', { command: 'new-chat' })
    await flushPromises()
    expect(wrapper.find('[data-testid="new-chat-username"]').exists()).toBe(true)
    bridge.emit('ui:menu-command', { command: 'next-conversation' })
    await flushPromises()
    expect(wrapper.get('[data-testid="chat-title"]').text()).toBe('bob')
    bridge.emit('ui:menu-command', { command: 'previous-conversation' })
    await flushPromises()
    expect(wrapper.get('[data-testid="chat-title"]').text()).toBe('carol')
    wrapper.unmount()
  })
})

describe('App, everyday', () => {
  it('puts the unread total in the window title', async () => {
    const bridge = createFakeBridge({
      getSession: () => ok(sessionView({ user: 'alice' })),
      listConversations: () => ok([conversationView({ id: 'dm:alice:bob', unread: 2 }), conversationView({ id: 'dm:alice:carol', peer: 'carol', unread: 3 })]),
    })
    const { wrapper } = await start(bridge)
    expect(document.title).toBe('(5) Parley')
    // A withdrawn unread message stops counting: main sends the new count.
    bridge.emit('conversation:changed', { conversation: conversationView({ id: 'dm:alice:bob', unread: 1 }) })
    await flushPromises()
    expect(document.title).toBe('(4) Parley')
    wrapper.unmount()
  })

  it('follows the theme setting', async () => {
    const bridge = createFakeBridge({ getSettings: () => ok({ ...DEFAULT_SETTINGS, theme: 'dark' as const }) })
    const { wrapper } = await start(bridge)
    expect(document.documentElement.dataset.theme).toBe('dark')
    bridge.emit('settings:changed', { settings: { ...DEFAULT_SETTINGS, theme: 'light' } })
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('light')
    wrapper.unmount()
  })

  it('a language of "system" forgets the page’s own choice', async () => {
    localStorage.setItem(LOCALE_STORAGE_KEY, 'zh-CN')
    const bridge = createFakeBridge({ getSettings: () => ok({ ...DEFAULT_SETTINGS, language: 'zh-CN' as const }) })
    const { wrapper } = await start(bridge)
    bridge.emit('settings:changed', { settings: { ...DEFAULT_SETTINGS, language: 'system' } })
    await flushPromises()
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBeNull()
    wrapper.unmount()
  })
})
