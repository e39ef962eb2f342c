import { onScopeDispose, ref, watch, type Ref } from 'vue'

/**
 * The local clock as a ref, ticking every `intervalMs` while `active` is true, so
 * countdowns re-render without every component running its own timer all the time.
 */
export function useNow(intervalMs: number, active: Ref<boolean> = ref(true)): Ref<number> {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  const stop = () => {
    if (timer) clearInterval(timer)
    timer = null
  }
  watch(
    active,
    (on) => {
      stop()
      if (!on) return
      now.value = Date.now()
      timer = setInterval(() => (now.value = Date.now()), intervalMs)
    },
    { immediate: true },
  )
  onScopeDispose(stop)
  return now
}
