import { createI18n } from 'vue-i18n'
import en, { type MessageSchema } from './en'
import zhCN from './zh-CN'

export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const
export type AppLocale = (typeof SUPPORTED_LOCALES)[number]
/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Record<AppLocale, string> = { en: 'English', 'zh-CN': '简体中文' }

export const LOCALE_STORAGE_KEY = 'parley.locale'

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value)
}

/** Any Chinese browser language maps to Simplified Chinese (the only Chinese we ship); the rest to English. */
export function localeFromLanguages(languages: readonly string[]): AppLocale {
  for (const lang of languages) {
    const lower = lang.toLowerCase()
    if (lower.startsWith('zh')) return 'zh-CN'
    if (lower.startsWith('en')) return 'en'
  }
  return 'en'
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** The browser's (the system's) language, as one we ship. */
export function systemLocale(): AppLocale {
  const nav = globalThis.navigator
  return localeFromLanguages(nav ? (nav.languages?.length ? nav.languages : [nav.language]) : [])
}

/** The saved choice, else the browser's language. */
export function initialLocale(): AppLocale {
  try {
    const saved = storage()?.getItem(LOCALE_STORAGE_KEY)
    if (isAppLocale(saved)) return saved
  } catch {
    // Storage may be disabled; fall back to the browser language.
  }
  return systemLocale()
}

/** Back to following the system: the page's own memory of a choice goes too. */
export function forgetLocale(): AppLocale {
  try {
    storage()?.removeItem(LOCALE_STORAGE_KEY)
  } catch {
    // Nothing saved, then.
  }
  const locale = systemLocale()
  if (globalThis.document) document.documentElement.lang = locale
  return locale
}

export function saveLocale(locale: AppLocale): void {
  try {
    storage()?.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Not saved: the choice still applies to this window.
  }
  if (globalThis.document) document.documentElement.lang = locale
}

export function createParleyI18n(locale: AppLocale = initialLocale()) {
  if (globalThis.document) document.documentElement.lang = locale
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
  })
}

export type ParleyI18n = ReturnType<typeof createParleyI18n>
