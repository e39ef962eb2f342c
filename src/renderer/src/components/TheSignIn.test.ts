// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fail, ok, type BridgeErrorCode } from '../../../shared/bridge'
import { createFakeBridge, sessionView } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSessionStore } from '../stores/session'
import TheSignIn from './TheSignIn.vue'

let warn: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => warn.mockRestore())

function render(bridge = createFakeBridge(), locale: 'en' | 'zh-CN' = 'en') {
  const ctx = createTestContext(bridge, locale)
  const wrapper = mount(TheSignIn, { global: ctx.global, attachTo: document.body })
  return { ...ctx, wrapper }
}

async function fillAndClick(wrapper: ReturnType<typeof render>['wrapper'], button: 'sign-in' | 'sign-up', username: string, password: string) {
  await wrapper.find('[data-testid="username"]').setValue(username)
  await wrapper.find('[data-testid="password"]').setValue(password)
  await wrapper.find(`[data-testid="${button}"]`).trigger(button === 'sign-in' ? 'submit' : 'click')
  await flushPromises()
}

describe('TheSignIn', () => {
  it('shows the inputs and both buttons', () => {
    const { wrapper } = render()
    for (const id of ['username', 'password', 'sign-in', 'sign-up']) expect(wrapper.find(`[data-testid="${id}"]`).exists()).toBe(true)
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('signs in with a normalized username', async () => {
    const bridge = createFakeBridge({ getSession: () => ok(sessionView({ user: 'alice' })) })
    const { wrapper } = render(bridge)
    await fillAndClick(wrapper, 'sign-in', ' Alice', 'correct horse')
    expect(bridge.callsTo('signIn')).toEqual([{ username: 'alice', password: 'correct horse' }])
    expect(useSessionStore().user).toBe('alice')
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('sign-up creates the account (and so signs in)', async () => {
    const bridge = createFakeBridge({ getSession: () => ok(sessionView({ user: 'bob' })) })
    const { wrapper } = render(bridge)
    await fillAndClick(wrapper, 'sign-up', 'bob', 'long enough pw')
    expect(bridge.callsTo('signUp')).toEqual([{ username: 'bob', password: 'long enough pw' }])
    expect(bridge.callsTo('signIn')).toEqual([])
    expect(useSessionStore().user).toBe('bob')
    wrapper.unmount()
  })

  const cases: [BridgeErrorCode, 'sign-in' | 'sign-up', string][] = [
    ['BAD_CREDENTIALS', 'sign-in', 'Wrong username or password.'],
    ['USERNAME_TAKEN', 'sign-up', 'That username is taken. Choose another one.'],
    ['SERVER_UNREACHABLE', 'sign-in', 'Cannot reach the Parley server. Check your connection and try again.'],
    ['RATE_LIMITED', 'sign-in', 'Too many attempts. Wait a moment and try again.'],
  ]
  it.each(cases)('shows a specific error for %s', async (code, button, text) => {
    const bridge = createFakeBridge({ signIn: () => fail(code, 'x'), signUp: () => fail(code, 'x') })
    const { wrapper } = render(bridge)
    await fillAndClick(wrapper, button, 'alice', 'long enough pw')
    expect(wrapper.get('[data-testid="error"]').text()).toBe(text)
    wrapper.unmount()
  })

  it('checks the username and password length before asking main', async () => {
    const { wrapper, bridge } = render()
    await fillAndClick(wrapper, 'sign-up', 'alice', 'short')
    expect(wrapper.get('[data-testid="error"]').text()).toBe('That password is too weak: use at least 8 characters.')
    await fillAndClick(wrapper, 'sign-in', 'no spaces please', 'long enough pw')
    expect(wrapper.get('[data-testid="error"]').text()).toContain('Usernames are 3–32 characters')
    await fillAndClick(wrapper, 'sign-in', 'alice', '')
    expect(wrapper.get('[data-testid="error"]').text()).toBe('Enter your password.')
    expect(bridge.calls.filter((c) => c.name !== 'getSession')).toEqual([])
    wrapper.unmount()
  })

  it('speaks Chinese when asked to', async () => {
    const { wrapper } = render(createFakeBridge({ signIn: () => fail('BAD_CREDENTIALS', 'x') }), 'zh-CN')
    expect(wrapper.get('[data-testid="sign-in"]').text()).toBe('登录')
    await fillAndClick(wrapper, 'sign-in', 'alice', 'long enough pw')
    expect(wrapper.get('[data-testid="error"]').text()).toBe('用户名或密码错误。')
    wrapper.unmount()
  })
})
