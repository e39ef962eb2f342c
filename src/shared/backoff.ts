/**
 * Reconnecting after a lost connection: the client core to its chat server, and a
 * browser-mode page to its host. Pure.
 */
export interface BackoffOptions {
  baseMs: number
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 15_000 }

/**
 * Exponential backoff with full jitter: a uniformly random wait up to the exponential
 * ceiling, so clients that lost the server at the same moment do not return together.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * ceiling)
}
