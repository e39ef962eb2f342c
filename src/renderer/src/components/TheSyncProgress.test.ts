// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createTestContext } from '../testing/context'
import TheSyncProgress from './TheSyncProgress.vue'

describe('TheSyncProgress', () => {
  it('shows a long catch-up while it runs: how far in time, and how many applied', async () => {
    const ctx = createTestContext()
    const wrapper = mount(TheSyncProgress, { global: ctx.global })
    expect(wrapper.find('[data-testid="sync-progress"]').exists()).toBe(false)

    const progress = { applied: 2_345, from: 1_000_000, upTo: 1_250_000, until: 2_000_000, done: false }
    ctx.bridge.emit('sync:progress', progress)
    await wrapper.vm.$nextTick()
    const el = wrapper.get('[data-testid="sync-progress"]')
    expect(el.text()).toBe('catching up 25%')
    expect(el.attributes('data-applied')).toBe('2345')
    expect(el.attributes('aria-label')).toMatch(/^Catching up with the server: 2,345 messages and changes so far, up to /)
    expect(el.get('progress').attributes('value')).toBe('25')

    ctx.bridge.emit('sync:progress', { ...progress, applied: 3_000, upTo: 2_000_000, done: true })
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="sync-progress"]').exists()).toBe(false)
  })
})
