import { useI18n } from 'vue-i18n'
import type { NoticeView } from '../../../shared/bridge'
import { useSessionStore } from '../stores/session'
import { noticeText } from './notice-text'

/** The sentence a notice reads as, in the current language, for the signed-in user. */
export function useNoticeText(): (notice: NoticeView) => string {
  const { t } = useI18n()
  const session = useSessionStore()
  return (notice) => {
    const words = { you: t('notice.you'), youObject: t('notice.youObject'), separator: t('notice.separator') }
    const { key, params } = noticeText(notice, session.user, words)
    return t(key, params)
  }
}
