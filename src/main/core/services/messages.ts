import { fail, ok, type MessageView, type Result } from '../../../shared/bridge'
import { getMessage, listMessagePage, listMessagesAfter, type PageCursor } from '../db/queries/messages'
import type { CoreContext } from '../context'
import { messageView } from '../views'

const DEFAULT_PAGE = 50

/**
 * One page of a conversation, oldest first: the newest page, the page before or after a
 * cursor, or a page with one message (a search result) in the middle.
 */
export function listMessages(
  ctx: CoreContext,
  args: { conversationId: string; before?: PageCursor; after?: PageCursor; around?: string; limit?: number },
): Result<MessageView[]> {
  const me = ctx.me()
  if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
  const limit = args.limit ?? DEFAULT_PAGE
  const { db } = ctx
  let rows
  if (args.around !== undefined) {
    const target = getMessage(db, args.around)
    if (!target || target.conversationId !== args.conversationId) return fail('NOT_FOUND', 'no such message here')
    const older = Math.floor((limit - 1) / 2)
    rows = [
      ...listMessagePage(db, args.conversationId, target, older),
      target,
      ...listMessagesAfter(db, args.conversationId, target, limit - 1 - older),
    ]
  } else if (args.after !== undefined) {
    rows = listMessagesAfter(db, args.conversationId, args.after, limit)
  } else {
    rows = listMessagePage(db, args.conversationId, args.before ?? null, limit)
  }
  return ok(rows.map((r) => messageView(ctx, r, me)))
}
