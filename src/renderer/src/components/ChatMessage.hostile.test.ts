// @vitest-environment happy-dom
/**
 * Whatever a message says, the renderer shows it as text: no markup, no template
 * evaluation, no attributes, in the timeline and in the conversation list's preview.
 */
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ok } from '../../../shared/bridge'
import { HOSTILE_TEXTS } from '../../../../test/fixtures/hostile-texts'
import { conversationView, createFakeBridge, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSessionStore } from '../stores/session'
import ChatMessage from './ChatMessage.vue'
import TheConversationList from './TheConversationList.vue'

afterEach(() => {
  document.body.innerHTML = ''
})

/** Elements a text could smuggle in if it were ever parsed as HTML. */
const INJECTED = 'script, img, svg, a[href^="javascript"], b, iframe, object, embed'

describe('hostile message text', () => {
  it('is shown in the timeline exactly as written, as text', () => {
    const ctx = createTestContext()
    useSessionStore().user = 'alice'
    for (const text of HOSTILE_TEXTS) {
      const wrapper = mount(ChatMessage, {
        props: { message: textMessage({ text }), focusable: true, showSender: true },
        global: ctx.global,
        attachTo: document.body,
      })
      const el = wrapper.get('[data-testid="message-text"]').element
      expect(el.textContent, JSON.stringify(text.slice(0, 40))).toBe(text)
      expect(wrapper.element.querySelectorAll(INJECTED)).toHaveLength(0)
      for (const node of wrapper.element.querySelectorAll('*')) {
        for (const attr of node.getAttributeNames()) expect(attr, text.slice(0, 40)).not.toMatch(/^on/)
      }
      wrapper.unmount()
    }
  })

  it('is shown in the conversation list preview as text', async () => {
    const conversations = HOSTILE_TEXTS.slice(0, 13).map((text, i) =>
      conversationView({ id: `dm:alice:peer${i}`, peer: `peer${i}`, title: `peer${i}`, lastMessage: textMessage({ text, sender: `peer${i}`, conversationId: `dm:alice:peer${i}` }), lastTs: 100 + i }),
    )
    const ctx = createTestContext(createFakeBridge({ listConversations: () => ok(conversations) }))
    useSessionStore().user = 'alice'
    const wrapper = mount(TheConversationList, { global: ctx.global, attachTo: document.body })
    await flushPromises()
    const previews = wrapper.findAll('[data-testid="conversation-preview"]').map((p) => p.element.textContent ?? '')
    expect(previews).toHaveLength(conversations.length)
    for (const text of HOSTILE_TEXTS.slice(0, 13)) {
      // previews fold white space onto one line; the characters themselves are all there
      const folded = text.replace(/\s+/g, ' ').trim()
      expect(previews.some((p) => p.replace(/\s+/g, ' ').trim() === folded), folded.slice(0, 40)).toBe(true)
    }
    expect(wrapper.element.querySelectorAll(INJECTED)).toHaveLength(0)
    wrapper.unmount()
  })
})
