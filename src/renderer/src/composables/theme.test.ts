// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import type { Settings } from '../../../shared/bridge'
import { applyTheme, effectiveTheme, followTheme } from './theme'

describe('theme', () => {
  it('follows the system unless light or dark is chosen', () => {
    expect(effectiveTheme('system', true)).toBe('dark')
    expect(effectiveTheme('system', false)).toBe('light')
    expect(effectiveTheme('light', true)).toBe('light')
    expect(effectiveTheme('dark', false)).toBe('dark')
  })

  it('marks the root element, colour scheme included', async () => {
    applyTheme('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(document.documentElement.style.colorScheme).toBe('dark')
    const setting = ref<Settings['theme']>('light')
    const scope = effectScope()
    scope.run(() => followTheme(setting))
    expect(document.documentElement.dataset.theme).toBe('light')
    setting.value = 'dark'
    await nextTick()
    expect(document.documentElement.dataset.theme).toBe('dark')
    scope.stop()
  })
})
