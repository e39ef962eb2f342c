import { onScopeDispose, watch, type Ref } from 'vue'
import type { Settings } from '../../../shared/bridge'

export type EffectiveTheme = 'light' | 'dark'

const DARK_QUERY = '(prefers-color-scheme: dark)'

export function effectiveTheme(setting: Settings['theme'], systemPrefersDark: boolean): EffectiveTheme {
  if (setting === 'system') return systemPrefersDark ? 'dark' : 'light'
  return setting
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia(DARK_QUERY).matches
}

/** The page's colours follow `data-theme` on the root element (see App.vue). */
export function applyTheme(theme: EffectiveTheme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme
  root.style.colorScheme = theme
}

/** Before anything renders: the system's choice, so a dark desktop never flashes white. */
export function applySystemTheme(): void {
  applyTheme(effectiveTheme('system', systemPrefersDark()))
}

/** Keep the page on the chosen theme, following the system while the choice is 'system'. */
export function followTheme(setting: Ref<Settings['theme']>): void {
  const update = () => applyTheme(effectiveTheme(setting.value, systemPrefersDark()))
  watch(setting, update, { immediate: true })
  if (typeof matchMedia !== 'function') return
  const media = matchMedia(DARK_QUERY)
  media.addEventListener('change', update)
  onScopeDispose(() => media.removeEventListener('change', update))
}
