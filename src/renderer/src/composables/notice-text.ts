import type { WithdrawNotice } from '../../../shared/bridge'

export interface NoticeText {
  key: string
  params: Record<string, string>
}

/** Which sentence a withdraw notice reads as, from the point of view of `me`. */
export function noticeText(notice: WithdrawNotice, me: string | null): NoticeText {
  const { actor, author } = notice
  if (actor === author) {
    return actor === me ? { key: 'notice.youWithdrew', params: {} } : { key: 'notice.otherWithdrew', params: { name: actor } }
  }
  // A group admin withdrew someone else's message.
  if (actor === me) return { key: 'notice.youWithdrewFrom', params: { author } }
  if (author === me) return { key: 'notice.adminWithdrewYours', params: { actor } }
  return { key: 'notice.adminWithdrew', params: { actor, author } }
}
