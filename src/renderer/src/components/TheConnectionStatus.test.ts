// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createTestContext } from '../testing/context'
import { useSessionStore } from '../stores/session'
import TheConnectionStatus from './TheConnectionStatus.vue'
import TheHostStatus from './TheHostStatus.vue'

describe('TheConnectionStatus', () => {
  it('follows connection:changed with a state attribute and a label', async () => {
    const ctx = createTestContext()
    const wrapper = mount(TheConnectionStatus, { global: ctx.global })
    const el = () => wrapper.get('[data-testid="connection-status"]')
    const expected = { online: 'Online', connecting: 'Connecting…', offline: 'Offline — retrying' } as const
    for (const state of ['online', 'offline', 'connecting'] as const) {
      ctx.bridge.emit('connection:changed', { state, detail: null })
      await wrapper.vm.$nextTick()
      expect(el().attributes('data-state')).toBe(state)
      expect(el().text()).toBe(expected[state])
    }
  })

  it('shows offline, and a visible error, while the link to main is down', async () => {
    const ctx = createTestContext()
    const status = mount(TheConnectionStatus, { global: ctx.global })
    const host = mount(TheHostStatus, { global: ctx.global })
    const session = useSessionStore()
    session.connection = 'online'
    session.setLink({ state: 'up', attempt: 0, problem: null })
    await status.vm.$nextTick()
    expect(host.find('[data-testid="host-status"]').exists()).toBe(false)

    session.setLink({ state: 'down', attempt: 1, problem: 'CLOSED' })
    await status.vm.$nextTick()
    expect(status.get('[data-testid="connection-status"]').attributes('data-state')).toBe('offline')
    expect(host.get('[data-testid="host-status"]').text()).toContain("Lost contact with Parley's local service")

    session.setLink({ state: 'up', attempt: 0, problem: null })
    await status.vm.$nextTick()
    expect(host.find('[data-testid="host-status"]').exists()).toBe(false)
  })
})
