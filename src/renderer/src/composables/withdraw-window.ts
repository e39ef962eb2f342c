import type { MessageView } from '../../../shared/bridge'
import { withdrawTimeLeftMs } from '../../../shared/recall'

export interface RecallClock {
  recallWindowSeconds: number
  /** Server clock minus local clock, ms. */
  serverClockOffsetMs: number
}

/**
 * Milliseconds left to withdraw `message` (Infinity when the window is unlimited), or
 * null when the action does not apply at all (not my text message). Acknowledged
 * messages carry the server's timestamp, so "now" is moved onto the server clock; a
 * message still unacknowledged carries the local send time, so local time is used.
 */
export function withdrawTimeLeft(message: MessageView, nowLocal: number, clock: RecallClock): number | null {
  if (!message.mine || message.kind !== 'text') return null
  const unacknowledged = message.state === 'sending' || message.state === 'failed'
  const now = unacknowledged ? nowLocal : nowLocal + clock.serverClockOffsetMs
  return withdrawTimeLeftMs(message.ts, now, clock.recallWindowSeconds)
}

export function canWithdraw(message: MessageView, nowLocal: number, clock: RecallClock): boolean {
  const left = withdrawTimeLeft(message, nowLocal, clock)
  return left !== null && left > 0
}
