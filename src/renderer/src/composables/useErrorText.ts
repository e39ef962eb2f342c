import { useI18n } from 'vue-i18n'
import type { UiError } from '../stores/ui'
import { errorKey } from './error-text'

/** Translates a UiError into the sentence the user reads. */
export function useErrorText(): (error: UiError) => string {
  const { t } = useI18n()
  return (error) => (error.key !== undefined ? t(error.key) : t(errorKey(error.code, error.context)))
}
