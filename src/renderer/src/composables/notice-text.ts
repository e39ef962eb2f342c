import type { NoticeView } from '../../../shared/bridge'

export interface NoticeText {
  key: string
  params: Record<string, string>
}

/** Translated words a sentence needs around the usernames it names. */
export interface NoticeWords {
  /** "You" as the subject of a sentence. */
  you: string
  /** "you" as its object. */
  youObject: string
  /** Between two names in a list. */
  separator: string
}

/** Which sentence a timeline notice reads as, from the point of view of `me`. */
export function noticeText(notice: NoticeView, me: string | null, words: NoticeWords): NoticeText {
  if (notice.type === 'withdrawn') {
    const { actor, author } = notice
    if (actor === author) {
      return actor === me ? { key: 'notice.youWithdrew', params: {} } : { key: 'notice.otherWithdrew', params: { name: actor } }
    }
    // A group admin withdrew someone else's message.
    if (actor === me) return { key: 'notice.youWithdrewFrom', params: { author } }
    if (author === me) return { key: 'notice.adminWithdrewYours', params: { actor } }
    return { key: 'notice.adminWithdrew', params: { actor, author } }
  }
  const actor = notice.actor === me ? words.you : notice.actor
  const members = notice.members.map((m) => (m === me ? words.youObject : m)).join(words.separator)
  switch (notice.type) {
    case 'group-created':
      return { key: members ? 'notice.groupCreatedWith' : 'notice.groupCreated', params: { actor, members } }
    case 'member-added':
      return { key: 'notice.memberAdded', params: { actor, members } }
    case 'member-removed':
      return { key: 'notice.memberRemoved', params: { actor, members } }
    case 'member-left':
      return { key: 'notice.memberLeft', params: { actor } }
    case 'role-changed':
      return { key: `notice.role.${notice.role ?? 'member'}`, params: { actor, members } }
  }
}
