// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ok, type MessageView } from '../../../shared/bridge'
import { createFakeBridge, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { fakeListLayout } from '../testing/layout'
import { PAGE_SIZE } from '../stores/messages'
import { useSessionStore } from '../stores/session'
import ChatMessageList from './ChatMessageList.vue'

const CONV = 'dm:alice:bob'
let restoreLayout: () => void
beforeEach(() => {
  restoreLayout = fakeListLayout({ viewport: 400, row: 50 })
})
afterEach(() => {
  restoreLayout()
  document.body.innerHTML = ''
})

/** A conversation of `count` messages, one a second, ending now. */
function conversation(count: number): MessageView[] {
  const now = Date.now()
  return Array.from({ length: count }, (_, i) => textMessage({ ts: now - (count - i) * 1000, text: `#${i}` }))
}

/** listMessages over a fixed history, like main: newest page, or the page strictly before the cursor. */
function pager(all: MessageView[]) {
  return ({ before, limit = PAGE_SIZE }: { before?: { ts: number; id: string }; limit?: number }) => {
    const older = before ? all.filter((m) => m.ts < before.ts || (m.ts === before.ts && m.id < before.id)) : all
    return older.slice(Math.max(0, older.length - limit))
  }
}

async function render(listMessages: ReturnType<typeof pager>) {
  const bridge = createFakeBridge({ listMessages: (args) => ok(listMessages(args)) })
  const ctx = createTestContext(bridge)
  useSessionStore().user = 'alice'
  const wrapper = mount(ChatMessageList, {
    props: { conversationId: CONV, title: 'bob', isGroup: false },
    global: ctx.global,
    attachTo: document.body,
  })
  await flushPromises()
  return { ...ctx, wrapper }
}

describe('ChatMessageList', () => {
  it('mounts only the rows in view', async () => {
    const { wrapper } = await render(pager(conversation(PAGE_SIZE)))
    const mounted = wrapper.findAll('[data-testid="message"]').length
    expect(mounted).toBeGreaterThan(0)
    expect(mounted).toBeLessThan(PAGE_SIZE)
    wrapper.unmount()
  })

  it('pages older messages when scrolled to the top, and knows where history begins', async () => {
    const { wrapper, bridge } = await render(pager(conversation(PAGE_SIZE + 5)))
    const scroller = wrapper.get('[data-testid="message-list"]').element as HTMLElement
    scroller.scrollTop = 0
    await wrapper.get('[data-testid="message-list"]').trigger('scroll')
    await flushPromises()
    const calls = bridge.callsTo('listMessages') as { before?: unknown }[]
    expect(calls.filter((c) => c.before)).toHaveLength(1)
    expect(wrapper.text()).toContain('This is the beginning of your conversation.')
    wrapper.unmount()
  })

  it('a short history does not page at all', async () => {
    const { wrapper, bridge } = await render(pager(conversation(3)))
    await wrapper.get('[data-testid="message-list"]').trigger('scroll')
    await flushPromises()
    expect(bridge.callsTo('listMessages')).toHaveLength(1)
    expect(wrapper.findAll('[data-testid="message"]')).toHaveLength(3)
    wrapper.unmount()
  })

  it('shows a new message as it arrives', async () => {
    const { wrapper, bridge } = await render(pager(conversation(2)))
    bridge.emit('message:added', { message: textMessage({ ts: Date.now() + 10, text: 'fresh' }) })
    await flushPromises()
    const texts = wrapper.findAll('[data-testid="message-text"]').map((m) => m.text())
    expect(texts.at(-1)).toBe('fresh')
    wrapper.unmount()
  })
})
