/**
 * What the renderer is shown, read from this device's rows: messages (with their notice
 * or quote), conversations (with their preview and unread count) and groups. Every view
 * the bridge carries is built here.
 */
import type { ConversationView, GroupView, MessageView, NoticeView } from '../../shared/bridge'
import type { CoreContext, Effects } from './context'
import { getConversation, refreshConversationSummary } from './db/queries/conversations'
import { currentMembers, memberCount, roleAt } from './db/queries/groups'
import { getMessage, type MessageRow } from './db/queries/messages'

export function messageView(ctx: CoreContext, row: MessageRow, me: string): MessageView {
  const mine = row.sender === me
  if (row.kind === 'notice') {
    return {
      id: row.id,
      conversationId: row.conversationId,
      sender: row.sender,
      mine,
      kind: 'notice',
      text: null,
      ts: row.ts,
      state: null,
      notice: noticeView(row, ctx.now()),
      replyTo: null,
    }
  }
  return {
    id: row.id,
    conversationId: row.conversationId,
    sender: row.sender,
    mine,
    kind: 'text',
    text: row.text,
    ts: row.ts,
    state: mine ? row.state : null,
    notice: null,
    replyTo: row.quote,
  }
}

function noticeView(row: MessageRow, now: number): NoticeView {
  if (row.noticeType === null || row.noticeType === 'withdrawn') {
    return {
      type: 'withdrawn',
      actor: row.noticeActor ?? row.sender,
      author: row.noticeAuthor ?? row.sender,
      reason: row.noticeReason,
      // Re-edit is offered while this device still keeps the text (withdraw/reedit.ts)
      canReEdit: row.draftExpiresAt !== null && row.draftExpiresAt > now,
    }
  }
  return { type: row.noticeType, actor: row.noticeActor ?? row.sender, members: row.noticeMembers, role: row.noticeRole }
}

export function conversationView(ctx: CoreContext, id: string, me: string): ConversationView | null {
  const row = getConversation(ctx.db, id)
  if (!row) return null
  const last = row.lastMessageId ? getMessage(ctx.db, row.lastMessageId) : null
  const view: ConversationView = {
    id: row.id,
    kind: row.kind,
    peer: row.peer,
    title: row.title,
    lastMessage: last ? messageView(ctx, last, me) : null,
    lastTs: row.lastTs,
    unread: row.unread,
  }
  if (row.kind === 'group') view.memberCount = memberCount(ctx.db, id)
  return view
}

export function groupView(ctx: CoreContext, conversationId: string, me: string): GroupView | null {
  const conversation = getConversation(ctx.db, conversationId)
  if (!conversation || conversation.kind !== 'group') return null
  return {
    conversationId,
    name: conversation.title,
    members: currentMembers(ctx.db, conversationId),
    myRole: roleAt(ctx.db, conversationId, me),
  }
}

/**
 * Inside a unit of work: bring the conversation's summary up to date and announce it after
 * commit. `unreadChange`: see `refreshConversationSummary` (recounted when absent).
 */
export function touchConversation(ctx: CoreContext, fx: Effects, id: string, me: string, unreadChange?: number): void {
  refreshConversationSummary(ctx.db, id, me, unreadChange)
  const view = conversationView(ctx, id, me)
  if (view) fx.emit('conversation:changed', { conversation: view })
}
