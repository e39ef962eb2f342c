export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Shown when the deadline passes. */
  what?: string
}

/**
 * Poll until `condition` returns something truthy (and return it), or fail at the
 * deadline. Tests wait for conditions, never for a fixed time.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  const interval = opts.intervalMs ?? 5
  let lastError: unknown
  for (;;) {
    try {
      const value = await condition()
      if (value) return value as NonNullable<T>
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${why}`)
    }
    await new Promise((r) => setTimeout(r, interval))
  }
}
