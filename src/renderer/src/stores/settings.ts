import { defineStore } from 'pinia'
import { onScopeDispose, ref, watch } from 'vue'
import { DEFAULT_SETTINGS, type Result, type Settings, type SettingsPatch } from '../../../shared/bridge'
import { useBridge } from '../bridge/provide'
import { useSessionStore } from './session'

/**
 * The profile's preferences, kept by main in the profile database: unlike the page's
 * localStorage they survive browser mode's fresh port (a new origin) on every launch.
 */
export const useSettingsStore = defineStore('settings', () => {
  const bridge = useBridge()
  const session = useSessionStore()

  const settings = ref<Settings>({ ...DEFAULT_SETTINGS })
  const loaded = ref(false)

  async function load(): Promise<Result<Settings>> {
    const result = await bridge.getSettings({})
    if (result.ok) {
      settings.value = result.value
      loaded.value = true
    }
    return result
  }

  async function update(patch: SettingsPatch): Promise<Result<Settings>> {
    const result = await bridge.updateSettings(patch)
    if (result.ok) settings.value = result.value
    return result
  }

  const off = bridge.on('settings:changed', ({ settings: next }) => {
    settings.value = next
    loaded.value = true
  })
  onScopeDispose(off)
  watch(
    () => session.resyncCount,
    () => void load(),
  )

  return { settings, loaded, load, update }
})
