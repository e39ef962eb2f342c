// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_SETTINGS, ok, type MessageView } from '../../../shared/bridge'
import { conversationView, createFakeBridge, noticeFor, sessionView, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { fakeListLayout } from '../testing/layout'
import { useSessionStore } from '../stores/session'
import { useSettingsStore } from '../stores/settings'
import TheWorkspace from './TheWorkspace.vue'

const CONV = 'dm:alice:bob'
let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = fakeListLayout({ viewport: 2000, row: 40 })
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => {
  restoreLayout()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

async function render(overrides: Parameters<typeof createFakeBridge>[0] = {}) {
  const bridge = createFakeBridge({
    getSession: () => ok(sessionView({ user: 'alice' })),
    listConversations: () => ok([conversationView({ id: CONV, title: 'bob' })]),
    ...overrides,
  })
  const ctx = createTestContext(bridge)
  await useSessionStore().load()
  await useSettingsStore().load()
  const wrapper = mount(TheWorkspace, { global: ctx.global, attachTo: document.body })
  await flushPromises()
  return { ...ctx, wrapper }
}

describe('search in the sidebar', () => {
  it('finds messages, shows them with the match marked, and opens one in its context', async () => {
    const hit = textMessage({ conversationId: CONV, sender: 'bob', text: 'lunch at the quick brown café?' })
    const around = [textMessage({ conversationId: CONV, ts: hit.ts - 1, text: 'before' }), hit, textMessage({ conversationId: CONV, ts: hit.ts + 1, text: 'after' })]
    const { wrapper, bridge } = await render({
      searchMessages: () => ok({ mode: 'index', messages: [hit] }),
      listMessages: ({ around: id }) => ok(id ? around : []),
    })
    const input = wrapper.get('[data-testid="search"]')
    await input.setValue('brown')
    await input.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(wrapper.find('[data-testid="conversation"]').isVisible()).toBe(false)
    const result = wrapper.get('[data-testid="search-result"]')
    expect(result.attributes('data-message-id')).toBe(hit.id)
    expect(result.get('mark').text()).toBe('brown')
    expect(wrapper.get('[data-testid="search-status"]').text()).toBe('1 result')

    await result.trigger('click')
    await flushPromises()
    expect(bridge.callsTo('listMessages')).toContainEqual({ conversationId: CONV, around: hit.id, limit: 50 })
    expect(wrapper.findAll('[data-testid="message"]').map((m) => m.get('[data-testid="message-text"]').text())).toEqual([
      'before',
      'lunch at the quick brown café?',
      'after',
    ])

    // Escape in the box clears the search and brings the conversation list back.
    await input.trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="search-result"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="conversation"]').isVisible()).toBe(true)
    wrapper.unmount()
  })

  it('explains a query too short to search every chat', async () => {
    const { wrapper } = await render({ searchMessages: () => ok({ mode: 'too-short', messages: [] }) })
    await wrapper.get('[data-testid="search"]').setValue('你好')
    await wrapper.get('[data-testid="search"]').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    const status = wrapper.get('[data-testid="search-status"]')
    expect(status.attributes('data-mode')).toBe('too-short')
    expect(status.text()).toContain('at least 3 characters')
    wrapper.unmount()
  })
})

describe('replying', () => {
  it('quotes the message in the composer, sends its id, and drops the quote when it is withdrawn', async () => {
    const original = textMessage({ conversationId: CONV, sender: 'bob', text: 'where shall we meet?' })
    const { wrapper, bridge } = await render({ listMessages: () => ok([original]) })
    await wrapper.get('[data-testid="conversation"]').trigger('click')
    await flushPromises()
    const message = wrapper.get(`[data-testid="message"][data-message-id="${original.id}"]`)
    await message.get('[data-testid="message-menu"]').trigger('click')
    await message.get('[data-testid="reply"]').trigger('click')
    await flushPromises()
    const bar = wrapper.get('[data-testid="reply-preview"]')
    expect(bar.text()).toContain('Replying to bob')
    expect(bar.text()).toContain('where shall we meet?')

    await wrapper.get('[data-testid="composer"]').setValue('at the station')
    await wrapper.get('[data-testid="send"]').trigger('click')
    await flushPromises()
    expect(bridge.callsTo('sendMessage')).toEqual([{ conversationId: CONV, text: 'at the station', replyTo: original.id }])
    expect(wrapper.find('[data-testid="reply-preview"]').exists()).toBe(false)

    // Start another reply; the original is then withdrawn: its text leaves the composer too.
    await message.get('[data-testid="message-menu"]').trigger('click')
    await message.get('[data-testid="reply"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="reply-preview"]').exists()).toBe(true)
    bridge.emit('message:withdrawn', { conversationId: CONV, messageId: original.id, notice: noticeFor(original) })
    await flushPromises()
    expect(wrapper.find('[data-testid="reply-preview"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('where shall we meet?')
    expect(wrapper.get('[data-testid="info"]').text()).toBe('The message you were replying to was withdrawn.')
    wrapper.unmount()
  })

  it('Escape in the composer cancels the reply', async () => {
    const original = textMessage({ conversationId: CONV, sender: 'bob', text: 'hi' })
    const { wrapper } = await render({ listMessages: () => ok([original]) })
    await wrapper.get('[data-testid="conversation"]').trigger('click')
    await flushPromises()
    const message = wrapper.get('[data-testid="message"]')
    ;(message.element as HTMLElement).focus()
    await message.trigger('keydown', { key: 'r' })
    await flushPromises()
    expect(wrapper.find('[data-testid="reply-preview"]').exists()).toBe(true)
    expect(document.activeElement?.getAttribute('data-testid')).toBe('composer')
    await wrapper.get('[data-testid="composer"]').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="reply-preview"]').exists()).toBe(false)
    wrapper.unmount()
  })
})

describe('how withdrawals look', () => {
  async function withNotices(display: 'notice' | 'silent') {
    const theirs = textMessage({ conversationId: CONV, sender: 'bob', text: 'x' })
    const mine = textMessage({ conversationId: CONV, sender: 'alice', mine: true, text: 'y', ts: theirs.ts + 1 })
    const history: MessageView[] = [noticeFor(theirs), noticeFor(mine, { actor: 'alice' }), textMessage({ conversationId: CONV, ts: theirs.ts + 2, text: 'z' })]
    const { wrapper } = await render({
      listMessages: () => ok(history),
      getSettings: () => ok({ ...DEFAULT_SETTINGS, withdrawDisplay: display }),
    })
    await wrapper.get('[data-testid="conversation"]').trigger('click')
    await flushPromises()
    return wrapper
  }

  it('shows a notice row for every withdrawal by default', async () => {
    const wrapper = await withNotices('notice')
    expect(wrapper.findAll('[data-testid="notice"]')).toHaveLength(2)
    wrapper.unmount()
  })

  it('removes others’ withdrawals silently when asked, keeping my own', async () => {
    const wrapper = await withNotices('silent')
    const notices = wrapper.findAll('[data-testid="notice"]')
    expect(notices).toHaveLength(1)
    expect(notices[0]!.text()).toContain('You withdrew a message')
    wrapper.unmount()
  })
})

describe('jump to newest', () => {
  it('is offered while an older part of the history is shown, and brings back the newest page', async () => {
    const old = Array.from({ length: 50 }, (_, i) => textMessage({ conversationId: CONV, ts: 1000 + i, text: `old ${i}` }))
    const newest = [textMessage({ conversationId: CONV, ts: 9000, text: 'newest' })]
    const { wrapper, bridge } = await render({
      // The core puts 24 older messages before the target and 25 after it: there may be more after.
      searchMessages: () => ok({ mode: 'index', messages: [old[24]!] }),
      listMessages: ({ around }) => ok(around ? old : newest),
    })
    await wrapper.get('[data-testid="search"]').setValue('old')
    await wrapper.get('[data-testid="search"]').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    await wrapper.get('[data-testid="search-result"]').trigger('click')
    await flushPromises()
    const jump = wrapper.get('[data-testid="jump-to-newest"]')
    expect(jump.attributes('aria-label')).toBe('Jump to the newest message')
    await jump.trigger('click')
    await flushPromises()
    expect(bridge.callsTo('listMessages').at(-1)).toEqual({ conversationId: CONV, limit: 50 })
    expect(wrapper.findAll('[data-testid="message-text"]').map((m) => m.text())).toEqual(['newest'])
    expect(wrapper.find('[data-testid="jump-to-newest"]').exists()).toBe(false)
    wrapper.unmount()
  })
})

describe('settings and about', () => {
  it('open from the account bar; changes are saved in the profile', async () => {
    let stored = { ...DEFAULT_SETTINGS }
    const { wrapper, bridge } = await render({ updateSettings: (patch) => ok((stored = { ...stored, ...patch })) })
    await wrapper.get('[data-testid="settings"]').trigger('click')
    await flushPromises()
    const dialog = wrapper.get('[data-testid="settings-dialog"]')
    await dialog.get('[data-testid="settings-theme"]').setValue('dark')
    await dialog.get('[data-testid="settings-withdraw-display"]').setValue('silent')
    await dialog.get('[data-testid="settings-language"]').setValue('zh-CN')
    await dialog.get('[data-testid="settings-notifications"]').setValue(false)
    await flushPromises()
    expect(bridge.callsTo('updateSettings')).toEqual([
      { theme: 'dark' },
      { withdrawDisplay: 'silent' },
      { language: 'zh-CN' },
      { notifications: false },
    ])
    expect(useSettingsStore().settings).toMatchObject({ theme: 'dark', withdrawDisplay: 'silent', language: 'zh-CN', notifications: false })
    wrapper.unmount()
  })

  it('checks the server address before saving it', async () => {
    const { wrapper, bridge } = await render()
    await wrapper.get('[data-testid="settings"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="settings-server"]').setValue('http://nope')
    await wrapper.get('[data-testid="settings-server-save"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="settings-server-status"]').text()).toBe('A server address looks like ws://host:port.')
    await wrapper.get('[data-testid="settings-server"]').setValue('ws://10.0.0.5:7800')
    await wrapper.get('[data-testid="settings-server"]').element.closest('form')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(bridge.callsTo('updateSettings')).toEqual([{ serverUrl: 'ws://10.0.0.5:7800' }])
    expect(wrapper.get('[data-testid="settings-server-status"]').text()).toContain('Saved')
    wrapper.unmount()
  })

  it('signs out everywhere after a confirmation, and says so when the server is unreachable', async () => {
    let reachable = false
    const { wrapper, bridge } = await render({
      signOutEverywhere: () => (reachable ? ok(null) : { ok: false, error: { code: 'SERVER_UNREACHABLE', message: 'down' } }),
    })
    await wrapper.get('[data-testid="settings"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="sign-out-everywhere"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="confirm-sign-out-everywhere"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="error"]').text()).toContain('Cannot reach the Parley server')
    expect(useSessionStore().user).toBe('alice')

    reachable = true
    await wrapper.get('[data-testid="sign-out-everywhere"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="confirm-sign-out-everywhere"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('signOutEverywhere')).toHaveLength(2)
    expect(useSessionStore().user).toBeNull()
    wrapper.unmount()
  })

  it('shows the version in the about view, also from the menu command', async () => {
    const { wrapper, bridge } = await render()
    bridge.emit('ui:menu-command', { command: 'about' })
    await flushPromises()
    const about = wrapper.get('[data-testid="about-dialog"]')
    expect(about.get('[data-testid="about-version"]').text()).toMatch(/^Version \d+\.\d+\.\d+/)
    expect(about.get('[data-testid="about-shortcuts"]').text()).toContain('Search messages')
    await about.get('[data-testid="about-close"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="about-version"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('handles the shortcuts itself in browser mode', async () => {
    const { wrapper } = await render()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true }))
    await flushPromises()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('search')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ',', ctrlKey: true }))
    await flushPromises()
    expect(wrapper.find('[data-testid="settings-dialog"] [data-testid="settings-theme"]').exists()).toBe(true)
    wrapper.unmount()
  })
})

describe('keyboard', () => {
  it('moves through the chat list with the arrows, Home and End, and switches chats with Alt+arrows', async () => {
    const ids = ['dm:alice:bob', 'dm:alice:carol', 'dm:alice:dave']
    const { wrapper } = await render({
      listConversations: () => ok(ids.map((id, i) => conversationView({ id, peer: id.split(':')[2]!, title: id.split(':')[2]!, lastTs: 100 - i }))),
    })
    const items = () => wrapper.findAll('[data-testid="conversation"]')
    ;(items()[0]!.element as HTMLElement).focus()
    await items()[0]!.trigger('keydown', { key: 'End' })
    expect(document.activeElement).toBe(items()[2]!.element)
    await items()[2]!.trigger('keydown', { key: 'Home' })
    expect(document.activeElement).toBe(items()[0]!.element)
    await items()[0]!.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(items()[1]!.element)

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', altKey: true }))
    await flushPromises()
    expect(items()[0]!.attributes('aria-current')).toBe('true')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', altKey: true }))
    await flushPromises()
    expect(items()[1]!.attributes('aria-current')).toBe('true')
    wrapper.unmount()
  })
})
