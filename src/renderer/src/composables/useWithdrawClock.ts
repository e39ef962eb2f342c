import type { MessageView } from '../../../shared/bridge'
import { useGroupsStore } from '../stores/groups'
import { useSessionStore } from '../stores/session'
import { withdrawTimeLeft } from './withdraw-window'

/** Time left to withdraw a message, on the clock and windows of the current session and my role in its group. */
export function useWithdrawClock(): (message: MessageView, nowLocal: number) => number | null {
  const session = useSessionStore()
  const groups = useGroupsStore()
  return (message, nowLocal) =>
    withdrawTimeLeft(message, nowLocal, {
      recallWindowSeconds: session.recallWindowSeconds,
      serverClockOffsetMs: session.serverClockOffsetMs,
      moderator: groups.moderates(message.conversationId),
      adminRecallWindowSeconds: session.adminRecallWindowSeconds,
    })
}
