// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MessageView } from '../../../shared/bridge'
import { textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSessionStore } from '../stores/session'
import ChatMessage from './ChatMessage.vue'

const NOW = new Date(2025, 4, 1, 12, 0, 0).getTime()

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})
afterEach(() => vi.useRealTimers())

function render(message: MessageView, opts: { window?: number; offset?: number } = {}) {
  const ctx = createTestContext()
  const session = useSessionStore()
  session.user = 'alice'
  session.recallWindowSeconds = opts.window ?? 120
  session.serverClockOffsetMs = opts.offset ?? 0
  const wrapper = mount(ChatMessage, {
    props: { message, focusable: true, showSender: false },
    global: ctx.global,
    attachTo: document.body,
  })
  return { ...ctx, wrapper }
}

describe('ChatMessage', () => {
  it('renders text as plain text, never as HTML', () => {
    const text = '<img src=x onerror="alert(1)"><b>bold</b>\nsecond line'
    const { wrapper } = render(textMessage({ text }))
    const el = wrapper.get('[data-testid="message-text"]')
    expect(el.element.textContent).toBe(text)
    expect(el.find('img').exists()).toBe(false)
    expect(el.find('b').exists()).toBe(false)
    wrapper.unmount()
  })

  it('carries the message id, ownership and delivery state', () => {
    const mine = textMessage({ mine: true, state: 'sent' })
    const { wrapper } = render(mine)
    const root = wrapper.get('[data-testid="message"]')
    expect(root.attributes('data-message-id')).toBe(mine.id)
    expect(root.attributes('data-mine')).toBe('true')
    expect(wrapper.get('[data-testid="message-state"]').attributes('data-state')).toBe('sent')
    wrapper.unmount()

    const theirs = render(textMessage({ mine: false })).wrapper
    expect(theirs.get('[data-testid="message"]').attributes('data-mine')).toBe('false')
    expect(theirs.find('[data-testid="message-state"]').exists()).toBe(false)
    theirs.unmount()
  })

  it('offers withdraw with the time left for my message inside the window', async () => {
    const { wrapper } = render(textMessage({ mine: true, ts: NOW - 15_000 }))
    await wrapper.get('[data-testid="message-menu"]').trigger('click')
    expect(wrapper.get('[data-testid="withdraw"]').text()).toBe('Withdraw · 1:45 left')
    // The countdown moves while the menu is open.
    await vi.advanceTimersByTimeAsync(5_000)
    expect(wrapper.get('[data-testid="withdraw"]').text()).toBe('Withdraw · 1:40 left')
    await wrapper.get('[data-testid="withdraw"]').trigger('click')
    expect(wrapper.emitted('withdraw')).toHaveLength(1)
    expect(wrapper.find('[data-testid="withdraw"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('uses the server clock offset for the window', async () => {
    // Server clock 30 s ahead: a server ts of NOW + 30 s is brand new.
    const { wrapper } = render(textMessage({ mine: true, ts: NOW + 30_000, state: 'sent' }), { offset: 30_000 })
    await wrapper.get('[data-testid="message-menu"]').trigger('click')
    expect(wrapper.get('[data-testid="withdraw"]').text()).toBe('Withdraw · 2:00 left')
    wrapper.unmount()
  })

  it('does not offer withdraw for messages of others or after the window', async () => {
    for (const message of [textMessage({ mine: false, ts: NOW }), textMessage({ mine: true, ts: NOW - 121_000 })]) {
      const { wrapper } = render(message)
      await wrapper.get('[data-testid="message-menu"]').trigger('click')
      expect(wrapper.find('[data-testid="message-menu-popup"]').exists()).toBe(true)
      expect(wrapper.find('[data-testid="withdraw"]').exists()).toBe(false)
      await wrapper.get('[data-testid="message"]').trigger('keydown', { key: 'Delete' })
      expect(wrapper.emitted('withdraw')).toBeUndefined()
      wrapper.unmount()
    }
  })

  it('an unlimited window shows plain "Withdraw"', async () => {
    const { wrapper } = render(textMessage({ mine: true, ts: NOW - 3_600_000 }), { window: 0 })
    await wrapper.get('[data-testid="message-menu"]').trigger('click')
    expect(wrapper.get('[data-testid="withdraw"]').text()).toBe('Withdraw')
    wrapper.unmount()
  })

  it('keyboard: Enter opens the menu with focus inside, Escape closes it, Delete asks to withdraw', async () => {
    const { wrapper } = render(textMessage({ mine: true, ts: NOW - 1_000 }))
    const root = wrapper.get('[data-testid="message"]')
    ;(root.element as HTMLElement).focus()
    await root.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    // Reply comes first; the arrow keys reach Withdraw.
    expect(document.activeElement?.getAttribute('data-testid')).toBe('reply')
    await wrapper.get('[data-testid="reply"]').trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement?.getAttribute('data-testid')).toBe('withdraw')
    await wrapper.get('[data-testid="withdraw"]').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="message-menu-popup"]').exists()).toBe(false)
    expect(document.activeElement).toBe(root.element)

    await root.trigger('keydown', { key: 'ContextMenu' })
    expect(wrapper.find('[data-testid="message-menu-popup"]').exists()).toBe(true)
    await wrapper.get('[data-testid="withdraw"]').trigger('keydown', { key: 'Escape' })

    await root.trigger('keydown', { key: 'Delete' })
    expect(wrapper.emitted('withdraw')).toHaveLength(1)
    wrapper.unmount()
  })

  it('closes the menu on a click elsewhere', async () => {
    const { wrapper } = render(textMessage({ mine: true, ts: NOW }))
    await wrapper.get('[data-testid="message-menu"]').trigger('click')
    document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }))
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="message-menu-popup"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
