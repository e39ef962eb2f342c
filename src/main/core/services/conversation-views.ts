import type { ConversationView, MessageView } from '../../../shared/bridge'
import { getConversation, refreshConversationSummary } from '../db/queries/conversations'
import { memberCount } from '../db/queries/groups'
import { getMessage, type MessageRow } from '../db/queries/messages'
import { conversationView, messageView } from '../views'
import type { CoreContext, Effects } from './context'

export function viewOfMessage(ctx: CoreContext, row: MessageRow, me: string): MessageView {
  return messageView(row, me, ctx.now())
}

export function viewOfConversation(ctx: CoreContext, id: string, me: string): ConversationView | null {
  const row = getConversation(ctx.db, id)
  if (!row) return null
  const last = row.lastMessageId ? getMessage(ctx.db, row.lastMessageId) : null
  const members = row.kind === 'group' ? memberCount(ctx.db, id) : undefined
  return conversationView(row, last ? viewOfMessage(ctx, last, me) : null, members)
}

/**
 * Inside a unit of work: bring the summary up to date and announce it after commit.
 * `unreadChange`: see `refreshConversationSummary` (recounted when absent).
 */
export function touchConversation(ctx: CoreContext, fx: Effects, id: string, me: string, unreadChange?: number): void {
  refreshConversationSummary(ctx.db, id, me, unreadChange)
  const view = viewOfConversation(ctx, id, me)
  if (view) fx.emit('conversation:changed', { conversation: view })
}
