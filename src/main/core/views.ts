import type { ConversationView, MessageView, NoticeView } from '../../shared/bridge'
import type { ConversationRow } from './db/queries/conversations'
import type { MessageRow } from './db/queries/messages'

export function messageView(row: MessageRow, me: string, now: number): MessageView {
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
      notice: noticeView(row, now),
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
      canReEdit: row.draftExpiresAt !== null && row.draftExpiresAt > now,
    }
  }
  return { type: row.noticeType, actor: row.noticeActor ?? row.sender, members: row.noticeMembers, role: row.noticeRole }
}

export function conversationView(row: ConversationRow, lastMessage: MessageView | null, memberCount?: number): ConversationView {
  const view: ConversationView = {
    id: row.id,
    kind: row.kind,
    peer: row.peer,
    title: row.title,
    lastMessage,
    lastTs: row.lastTs,
    unread: row.unread,
  }
  if (memberCount !== undefined) view.memberCount = memberCount
  return view
}
