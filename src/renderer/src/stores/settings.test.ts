// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, ok } from '../../../shared/bridge'
import { createFakeBridge } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSettingsStore } from './settings'

describe('useSettingsStore', () => {
  it('loads, updates and follows settings:changed', async () => {
    const { bridge } = createTestContext(
      createFakeBridge({ getSettings: () => ok({ ...DEFAULT_SETTINGS, language: 'zh-CN' as const }) }),
    )
    const settings = useSettingsStore()
    expect(settings.settings.language).toBe('system')
    await settings.load()
    expect(settings.settings.language).toBe('zh-CN')
    await settings.update({ language: 'en' })
    expect(bridge.callsTo('updateSettings')).toEqual([{ language: 'en' }])
    expect(settings.settings.language).toBe('en')
    bridge.emit('settings:changed', { settings: { ...DEFAULT_SETTINGS, theme: 'dark' } })
    expect(settings.settings.theme).toBe('dark')
  })
})
