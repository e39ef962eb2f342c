import { getMessage, listReplyIds } from '../db/queries/messages'
import type { CoreContext, Effects } from '../context'
import { messageView } from '../views'

/**
 * Inside a unit of work: the message `quotedId` changed (it arrived, or it was withdrawn),
 * so every reply quoting it is announced again with its quote resolved anew.
 */
export function refreshQuotesOf(ctx: CoreContext, fx: Effects, conversationId: string, quotedId: string, me: string): void {
  for (const id of listReplyIds(ctx.db, conversationId, quotedId)) {
    const reply = getMessage(ctx.db, id)
    if (reply) fx.emit('message:updated', { message: messageView(ctx, reply, me) })
  }
}
