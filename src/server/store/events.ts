/**
 * The events a log entry stands for, built the same way by every engine: when an event is
 * appended (for live fan-out) and when it is read back (replay), so both are equal.
 */
import type { CmdEvent, GroupChange, GroupEvent, GroupRoster, MessageEvent, ReceiptEvent } from '../../shared/protocol'
import { REVOKE_FLAG } from '../../shared/protocol'
import type { GroupEventRecord, TombstoneRecord } from './types'

export const messageEvent = (m: {
  id: string
  conversationId: string
  sender: string
  ts: number
  text: string
  replyTo: string | null
}): MessageEvent => ({
  kind: 'message',
  id: m.id,
  conversationId: m.conversationId,
  from: m.sender,
  ts: m.ts,
  text: m.text,
  ...(m.replyTo === null ? {} : { replyTo: m.replyTo }),
})

export const receiptEvent = (r: { conversationId: string; upTo: number; deliveredAt: number }): ReceiptEvent => ({
  kind: 'receipt',
  conversationId: r.conversationId,
  state: 'delivered',
  upTo: r.upTo,
  ts: r.deliveredAt,
})

export const cmdEvent = (t: TombstoneRecord): CmdEvent => ({
  kind: 'cmd',
  id: t.cmdId,
  conversationId: t.conversationId,
  chatType: t.chatType,
  from: t.withdrawnBy,
  ts: t.withdrawnAt,
  action: REVOKE_FLAG,
  ext: t.reason === null ? { msgId: t.msgId } : { msgId: t.msgId, reason: t.reason },
  target: { from: t.author, ts: t.messageTs },
})

export const groupEvent = (g: GroupEventRecord & { change: GroupChange; roster: GroupRoster }): GroupEvent => ({
  kind: 'group',
  id: g.id,
  conversationId: g.conversationId,
  from: g.actor,
  ts: g.ts,
  change: g.change,
  group: g.roster,
})
