// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { MessageView, QuoteView } from '../../../shared/bridge'
import { textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSessionStore } from '../stores/session'
import ChatMessage from './ChatMessage.vue'

afterEach(() => {
  document.body.innerHTML = ''
})

function render(message: MessageView, locale: 'en' | 'zh-CN' = 'en') {
  const ctx = createTestContext(undefined, locale)
  useSessionStore().user = 'alice'
  return mount(ChatMessage, { props: { message, focusable: true, showSender: false }, global: ctx.global, attachTo: document.body })
}

const quote = (q: Partial<QuoteView>): QuoteView => ({ id: '00000000-0000-7000-8000-0000000000aa', state: 'available', sender: 'bob', text: 'the original', ...q })

describe('ChatMessage quoting another message', () => {
  it('shows the quoted sender and text, and opens the original on click', async () => {
    const wrapper = render(textMessage({ text: 'my answer', replyTo: quote({}) }))
    const q = wrapper.get('[data-testid="quote"]')
    expect(q.attributes('data-quote-state')).toBe('available')
    expect(q.text()).toContain('bob')
    expect(wrapper.get('[data-testid="quote-text"]').text()).toBe('the original')
    expect(q.attributes('aria-label')).toBe('Reply to bob: the original')
    await q.trigger('click')
    expect(wrapper.emitted('openQuote')).toEqual([[quote({}).id]])
  })

  it('says the original was withdrawn, in English and Chinese, with nothing of its text', () => {
    const withdrawn = quote({ state: 'withdrawn', sender: null, text: null })
    const en = render(textMessage({ replyTo: withdrawn }))
    expect(en.get('[data-testid="quote-text"]').text()).toBe('Original message was withdrawn')
    expect(en.get('[data-testid="quote"]').element.tagName).toBe('P')
    const zh = render(textMessage({ replyTo: withdrawn }), 'zh-CN')
    expect(zh.get('[data-testid="quote-text"]').text()).toBe('原消息已撤回')
  })

  it('says when the original is not on this device', () => {
    const wrapper = render(textMessage({ replyTo: quote({ state: 'missing', sender: null, text: null }) }))
    expect(wrapper.get('[data-testid="quote"]').attributes('data-quote-state')).toBe('missing')
    expect(wrapper.get('[data-testid="quote-text"]').text()).toBe('Original message is not available')
  })

  it('shows no quote for a message that is no reply', () => {
    expect(render(textMessage({})).find('[data-testid="quote"]').exists()).toBe(false)
  })

  it('replies from the menu and with R on the focused message', async () => {
    const wrapper = render(textMessage({}))
    await wrapper.get('[data-testid="message-menu"]').trigger('click')
    await wrapper.get('[data-testid="reply"]').trigger('click')
    const root = wrapper.get('[data-testid="message"]')
    ;(root.element as HTMLElement).focus()
    await root.trigger('keydown', { key: 'r' })
    await root.trigger('keydown', { key: 'r', ctrlKey: true })
    expect(wrapper.emitted('reply')).toHaveLength(2)
  })
})
