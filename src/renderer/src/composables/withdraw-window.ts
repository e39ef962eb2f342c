import type { MessageView } from '../../../shared/bridge'
import { withdrawTimeLeftMs } from '../../../shared/withdraw-rules'

export interface WithdrawClock {
  recallWindowSeconds: number
  /** Server clock minus local clock, ms. */
  serverClockOffsetMs: number
  /** I own or administer the message's group: anyone's message may go, within the admins' window. */
  moderator?: boolean
  /** The owners' and admins' window (0 = unlimited, the default). */
  adminRecallWindowSeconds?: number
}

/**
 * Milliseconds left to withdraw `message` (Infinity when the window is unlimited), or
 * null when the action does not apply at all (not a text message I may take back).
 * Acknowledged messages carry the server's timestamp, so "now" is moved onto the
 * server clock; a message still unacknowledged carries the local send time, so local
 * time is used.
 */
export function withdrawTimeLeft(message: MessageView, nowLocal: number, clock: WithdrawClock): number | null {
  if (message.kind !== 'text') return null
  const onServerClock = nowLocal + clock.serverClockOffsetMs
  const asModerator = clock.moderator ? withdrawTimeLeftMs(message.ts, onServerClock, clock.adminRecallWindowSeconds ?? 0) : null
  if (!message.mine) return asModerator
  const unacknowledged = message.state === 'sending' || message.state === 'failed'
  const asAuthor = withdrawTimeLeftMs(message.ts, unacknowledged ? nowLocal : onServerClock, clock.recallWindowSeconds)
  return asModerator === null || unacknowledged ? asAuthor : Math.max(asAuthor, asModerator)
}
