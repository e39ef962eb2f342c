import { onScopeDispose, readonly, ref, type Ref } from 'vue'

/** Whether a CSS media query matches, kept current as the window is resized. */
export function useMediaQuery(query: string): Readonly<Ref<boolean>> {
  if (typeof matchMedia !== 'function') return readonly(ref(false))
  const media = matchMedia(query)
  const matches = ref(media.matches)
  const update = (event: MediaQueryListEvent) => {
    matches.value = event.matches
  }
  media.addEventListener('change', update)
  onScopeDispose(() => media.removeEventListener('change', update))
  return readonly(matches)
}
