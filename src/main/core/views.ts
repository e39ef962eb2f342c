import type { ConversationView, MessageView } from '../../shared/bridge'
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
      notice: {
        type: 'withdrawn',
        actor: row.noticeActor ?? row.sender,
        author: row.noticeAuthor ?? row.sender,
        reason: row.noticeReason,
        canReEdit: row.draftExpiresAt !== null && row.draftExpiresAt > now,
      },
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
  }
}

export function conversationView(row: ConversationRow, lastMessage: MessageView | null): ConversationView {
  return {
    id: row.id,
    kind: row.kind,
    peer: row.peer,
    title: row.title,
    lastMessage,
    lastTs: row.lastTs,
    unread: row.unread,
  }
}
