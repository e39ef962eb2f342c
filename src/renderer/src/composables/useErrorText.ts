import { useI18n } from 'vue-i18n'
import { MAX_GROUP_MEMBERS } from '../../../shared/protocol'
import type { UiError } from '../stores/ui'
import { errorKey } from './error-text'

/** Limits some error sentences name. */
const LIMITS = { maxGroupMembers: MAX_GROUP_MEMBERS }

/** Translates a UiError into the sentence the user reads. */
export function useErrorText(): (error: UiError) => string {
  const { t } = useI18n()
  return (error) => (error.key !== undefined ? t(error.key) : t(errorKey(error.code, error.context), LIMITS))
}
