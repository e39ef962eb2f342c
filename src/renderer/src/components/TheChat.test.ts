// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { fail, ok, type MessageView } from '../../../shared/bridge'
import { conversationView, createFakeBridge, noticeFor, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useChatLayout } from '../testing/layout'
import { useConversationsStore } from '../stores/conversations'
import { useSessionStore } from '../stores/session'
import TheChat from './TheChat.vue'

const CONV = 'dm:alice:bob'
useChatLayout()

async function render(history: MessageView[], bridge = createFakeBridge(), locale: 'en' | 'zh-CN' = 'en') {
  bridge.handlers.listMessages = () => ok(history)
  const ctx = createTestContext(bridge, locale)
  const session = useSessionStore()
  session.user = 'alice'
  session.recallWindowSeconds = 120
  const conversation = conversationView({ id: CONV })
  useConversationsStore().upsert(conversation)
  const wrapper = mount(TheChat, { props: { conversation }, global: ctx.global, attachTo: document.body })
  await flushPromises()
  return { ...ctx, wrapper }
}

type Wrapper = Awaited<ReturnType<typeof render>>['wrapper']

function messageEl(wrapper: Wrapper, id: string) {
  return wrapper.get(`[data-testid="message"][data-message-id="${id}"]`)
}

async function withdrawVia(wrapper: Wrapper, id: string) {
  await messageEl(wrapper, id).get('[data-testid="message-menu"]').trigger('click')
  await messageEl(wrapper, id).get('[data-testid="withdraw"]').trigger('click')
  await flushPromises()
}

describe('TheChat', () => {
  it('lists the history with day separators, mine and theirs', async () => {
    const a = textMessage({ mine: false, text: 'hello alice' })
    const b = textMessage({ mine: true, text: 'hi bob', ts: a.ts + 1 })
    const { wrapper } = await render([a, b])
    const messages = wrapper.findAll('[data-testid="message"]')
    expect(messages.map((m) => m.attributes('data-mine'))).toEqual(['false', 'true'])
    expect(messages.map((m) => m.get('[data-testid="message-text"]').text())).toEqual(['hello alice', 'hi bob'])
    expect(wrapper.findAll('[data-testid="day-separator"]')).toHaveLength(1)
    expect(wrapper.get('[data-testid="day-separator"]').text()).toBe('Today')
    wrapper.unmount()
  })

  it('withdraw asks for confirmation, and cancelling keeps the message', async () => {
    const mine = textMessage({ mine: true, text: 'oops' })
    const { wrapper, bridge } = await render([mine])
    await withdrawVia(wrapper, mine.id)
    const dialog = wrapper.get('dialog').element as HTMLDialogElement
    expect(dialog.open).toBe(true)
    await wrapper.get('[data-testid="cancel-withdraw"]').trigger('click')
    await flushPromises()
    expect(dialog.open).toBe(false)
    expect(bridge.callsTo('withdrawMessage')).toEqual([])
    messageEl(wrapper, mine.id) // still there (get throws otherwise)
    wrapper.unmount()
  })

  it('confirming withdraws; the notice replaces the message and is announced', async () => {
    const mine = textMessage({ mine: true, text: 'oops' })
    const bridge = createFakeBridge()
    bridge.handlers.withdrawMessage = ({ messageId }) => {
      bridge.emit('message:withdrawn', { conversationId: CONV, messageId, notice: noticeFor(mine, { canReEdit: true }) })
      return ok({ outcome: 'withdrawn' as const })
    }
    const { wrapper } = await render([mine], bridge)
    await withdrawVia(wrapper, mine.id)
    await wrapper.get('[data-testid="confirm-withdraw"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('withdrawMessage')).toEqual([{ messageId: mine.id }])
    expect(wrapper.find('[data-testid="message"]').exists()).toBe(false)
    const notice = wrapper.get('[data-testid="notice"]')
    expect(notice.attributes('data-message-id')).toBe(mine.id)
    expect(notice.get('[data-testid="notice-text"]').text()).toBe('You withdrew a message')
    expect(wrapper.text()).not.toContain('oops')
    expect(wrapper.get('[data-testid="announcer"]').text()).toBe('You withdrew a message')
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('a queued withdraw says so', async () => {
    const mine = textMessage({ mine: true })
    const { wrapper } = await render([mine], createFakeBridge({ withdrawMessage: () => ok({ outcome: 'queued' as const }) }))
    await withdrawVia(wrapper, mine.id)
    await wrapper.get('[data-testid="confirm-withdraw"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="info"]').text()).toBe('Withdraw queued: it will be sent when you are back online')
    wrapper.unmount()
  })

  it.each([
    ['RECALL_TIME_LIMIT', 'Too late to withdraw: the time limit has passed'],
    ['NOT_ALLOWED', 'You can only withdraw your own messages.'],
    ['NOT_FOUND', 'That message cannot be withdrawn: it no longer exists.'],
  ] as const)('shows %s specifically', async (code, text) => {
    const mine = textMessage({ mine: true })
    const { wrapper } = await render([mine], createFakeBridge({ withdrawMessage: () => fail(code, 'x') }))
    await withdrawVia(wrapper, mine.id)
    await wrapper.get('[data-testid="confirm-withdraw"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="error"]').text()).toBe(text)
    messageEl(wrapper, mine.id) // still there (get throws otherwise)
    wrapper.unmount()
  })

  it('shows a withdraw that failed later (message:withdraw-failed)', async () => {
    const mine = textMessage({ mine: true })
    const { wrapper, bridge } = await render([mine])
    bridge.emit('message:withdraw-failed', { messageId: mine.id, error: { code: 'RECALL_TIME_LIMIT', message: 'x' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="error"]').text()).toBe('Too late to withdraw: the time limit has passed')
    wrapper.unmount()
  })

  it('a message withdrawn by the other side turns into their notice live', async () => {
    const theirs = textMessage({ mine: false, sender: 'bob', text: 'regret' })
    const { wrapper, bridge } = await render([theirs], createFakeBridge(), 'zh-CN')
    bridge.emit('message:withdrawn', { conversationId: CONV, messageId: theirs.id, notice: noticeFor(theirs) })
    await flushPromises()
    expect(wrapper.get('[data-testid="notice-text"]').text()).toBe('bob 撤回了一条消息')
    expect(wrapper.find('[data-testid="re-edit"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('regret')
    expect(wrapper.get('[data-testid="announcer"]').text()).toBe('bob 撤回了一条消息')
    wrapper.unmount()
  })

  it('an admin withdraw names both people and the reason', async () => {
    const theirs = textMessage({ mine: false, sender: 'carol' })
    const { wrapper } = await render([noticeFor(theirs, { actor: 'bob', reason: 'spam' })])
    expect(wrapper.get('[data-testid="notice-text"]').text()).toBe('Admin bob withdrew a message from carol')
    expect(wrapper.get('[data-testid="notice-reason"]').text()).toBe('Reason: spam')
    wrapper.unmount()
  })

  it('re-edit puts the original text into the composer', async () => {
    const mine = textMessage({ mine: true, sender: 'alice' })
    const bridge = createFakeBridge({ reEdit: () => ok({ text: 'what I meant' }) })
    const { wrapper } = await render([noticeFor(mine, { canReEdit: true })], bridge)
    await wrapper.get('[data-testid="re-edit"]').trigger('click')
    await flushPromises()
    expect(bridge.callsTo('reEdit')).toEqual([{ messageId: mine.id }])
    const composer = wrapper.get('[data-testid="composer"]').element as HTMLTextAreaElement
    expect(composer.value).toBe('what I meant')
    expect(document.activeElement).toBe(composer)
    wrapper.unmount()
  })

  it('re-edit that expired shows why', async () => {
    const mine = textMessage({ mine: true, sender: 'alice' })
    const { wrapper } = await render([noticeFor(mine, { canReEdit: true })], createFakeBridge({ reEdit: () => fail('REEDIT_EXPIRED', 'gone') }))
    await wrapper.get('[data-testid="re-edit"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="error"]').text()).toBe('The original text is no longer available to re-edit.')
    wrapper.unmount()
  })

  it('keyboard: arrows move between messages, Delete then Enter withdraws', async () => {
    const first = textMessage({ mine: true, text: 'one' })
    const second = textMessage({ mine: true, text: 'two', ts: first.ts + 1 })
    const { wrapper, bridge } = await render([first, second])
    // The newest message is the list's single tab stop.
    expect(messageEl(wrapper, second.id).attributes('tabindex')).toBe('0')
    expect(messageEl(wrapper, first.id).attributes('tabindex')).toBe('-1')
    const secondEl = messageEl(wrapper, second.id).element as HTMLElement
    secondEl.focus()
    await messageEl(wrapper, second.id).trigger('keydown', { key: 'ArrowUp' })
    await flushPromises()
    expect(document.activeElement).toBe(messageEl(wrapper, first.id).element)
    expect(messageEl(wrapper, first.id).attributes('tabindex')).toBe('0')

    await messageEl(wrapper, first.id).trigger('keydown', { key: 'Delete' })
    await flushPromises()
    expect((wrapper.get('dialog').element as HTMLDialogElement).open).toBe(true)
    expect(document.activeElement?.getAttribute('data-testid')).toBe('confirm-withdraw')
    await wrapper.get('[data-testid="confirm-withdraw"]').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('withdrawMessage')).toEqual([{ messageId: first.id }])
    wrapper.unmount()
  })
})
