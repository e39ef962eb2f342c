/**
 * A token bucket for test clients that must stay under the server's frame budgets (so the
 * server's answers are about the frames, not about rate limiting): `await pace()` before
 * each frame; a burst of `capacity` goes at once, then `perSecond`.
 */
export function pacer(perSecond: number, capacity = perSecond): () => Promise<void> {
  let tokens = capacity
  let updated = performance.now()
  return async () => {
    for (;;) {
      const now = performance.now()
      tokens = Math.min(capacity, tokens + ((now - updated) / 1000) * perSecond)
      updated = now
      if (tokens >= 1) {
        tokens -= 1
        return
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - tokens) / perSecond) * 1000)))
    }
  }
}
