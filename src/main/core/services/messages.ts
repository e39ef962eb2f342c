import { fail, ok, type MessageView, type Result } from '../../../shared/bridge'
import { listMessagePage, type PageCursor } from '../db/queries/messages'
import type { CoreContext } from './context'
import { viewOfMessage } from './conversation-views'

const DEFAULT_PAGE = 50

export function listMessages(
  ctx: CoreContext,
  args: { conversationId: string; before?: PageCursor; limit?: number },
): Result<MessageView[]> {
  const me = ctx.me()
  if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
  const rows = listMessagePage(ctx.db, args.conversationId, args.before ?? null, args.limit ?? DEFAULT_PAGE)
  return ok(rows.map((r) => viewOfMessage(ctx, r, me)))
}
