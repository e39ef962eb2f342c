// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fail } from '../../../shared/bridge'
import { createFakeBridge } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useMessagesStore } from '../stores/messages'
import { useUiStore } from '../stores/ui'
import ChatComposer from './ChatComposer.vue'

const CONV = 'dm:alice:bob'
afterEach(() => {
  document.body.innerHTML = ''
})

function render(bridge = createFakeBridge()) {
  const ctx = createTestContext(bridge)
  const wrapper = mount(ChatComposer, { props: { conversationId: CONV }, global: ctx.global, attachTo: document.body })
  return { ...ctx, wrapper, composer: wrapper.get('[data-testid="composer"]') }
}

describe('ChatComposer', () => {
  it('Enter sends and clears; Shift+Enter does not send', async () => {
    const { bridge, wrapper, composer } = render()
    await composer.setValue('line one')
    await composer.trigger('keydown', { key: 'Enter', shiftKey: true })
    expect(bridge.callsTo('sendMessage')).toEqual([])
    await composer.setValue('line one\nline two')
    await composer.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(bridge.callsTo('sendMessage')).toEqual([{ conversationId: CONV, text: 'line one\nline two' }])
    expect((composer.element as HTMLTextAreaElement).value).toBe('')
    expect(wrapper.emitted('sent')).toHaveLength(1)
    wrapper.unmount()
  })

  it('Enter while an input method is composing does not send', async () => {
    const { bridge, wrapper, composer } = render()
    await composer.setValue('ni')
    await composer.trigger('keydown', { key: 'Enter', isComposing: true })
    expect(bridge.callsTo('sendMessage')).toEqual([])
    wrapper.unmount()
  })

  it('the send button sends, and blank text is never sent', async () => {
    const { bridge, wrapper, composer } = render()
    expect(wrapper.get('[data-testid="send"]').attributes('disabled')).toBeDefined()
    await composer.setValue('   \n ')
    await composer.trigger('keydown', { key: 'Enter' })
    await composer.setValue('  hello  ')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(bridge.callsTo('sendMessage')).toEqual([{ conversationId: CONV, text: 'hello' }])
    expect(useMessagesStore().timeline(CONV).items).toHaveLength(0) // not loaded: main's history will bring it
    wrapper.unmount()
  })

  it('keeps the text and shows the error when sending fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { wrapper, composer } = render(createFakeBridge({ sendMessage: () => fail('DISK_FULL', 'full') }))
    await composer.setValue('important')
    await composer.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect((composer.element as HTMLTextAreaElement).value).toBe('important')
    expect(useUiStore().error).toMatchObject({ scope: 'chat', code: 'DISK_FULL' })
    warn.mockRestore()
    wrapper.unmount()
  })

  it('keeps a draft per conversation', async () => {
    const { wrapper, composer } = render()
    await composer.setValue('half-typed')
    expect(useUiStore().draft(CONV)).toBe('half-typed')
    await wrapper.setProps({ conversationId: 'dm:alice:carol' })
    expect((composer.element as HTMLTextAreaElement).value).toBe('')
    await wrapper.setProps({ conversationId: CONV })
    expect((composer.element as HTMLTextAreaElement).value).toBe('half-typed')
    wrapper.unmount()
  })
})
