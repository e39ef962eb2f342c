import type { MessageView } from '../../../shared/bridge'
import { useSessionStore } from '../stores/session'
import { withdrawTimeLeft } from './withdraw-window'

/** Time left to withdraw a message, on the clock and window of the current session. */
export function useWithdrawClock(): (message: MessageView, nowLocal: number) => number | null {
  const session = useSessionStore()
  return (message, nowLocal) =>
    withdrawTimeLeft(message, nowLocal, {
      recallWindowSeconds: session.recallWindowSeconds,
      serverClockOffsetMs: session.serverClockOffsetMs,
    })
}
