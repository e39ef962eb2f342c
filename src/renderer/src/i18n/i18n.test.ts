// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { BridgeErrorCode } from '../../../shared/bridge'
import { MAX_GROUP_MEMBERS } from '../../../shared/protocol'
import en from './en'
import zhCN from './zh-CN'
import { LOCALE_STORAGE_KEY, createParleyI18n, initialLocale, localeFromLanguages, saveLocale } from '.'

function leafKeys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leafKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

afterEach(() => localStorage.clear())

describe('messages', () => {
  it('Chinese translates every English key and nothing else', () => {
    expect(leafKeys(zhCN).sort()).toEqual(leafKeys(en).sort())
  })

  it('has a sentence for every bridge error code in both languages', () => {
    for (const code of BridgeErrorCode.options) {
      expect(en.errors[code], code).toBeTruthy()
      expect(zhCN.errors[code], code).toBeTruthy()
    }
  })

  it('every message compiles and the plural form works', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const { t } = createParleyI18n(locale).global
      for (const key of leafKeys(en)) expect(t(key, { n: 2, time: '1:45', name: 'x', actor: 'x', author: 'y', reason: 'r', url: 'u', title: 't', user: 'u', text: 't', sender: 's' }), key).not.toBe(key)
    }
    const { t } = createParleyI18n('en').global
    expect(t('conversations.unread', { n: 1 }, 1)).toBe('1 unread message')
    expect(t('conversations.unread', { n: 3 }, 3)).toBe('3 unread messages')
    expect(t('message.withdrawTimeLeft', { time: '1:45' })).toBe('Withdraw · 1:45 left')
  })

  it('names the group size limit the protocol sets', () => {
    const { t } = createParleyI18n('en').global
    expect(t('errors.GROUP_FULL', { maxGroupMembers: MAX_GROUP_MEMBERS })).toBe(`A group can have at most ${MAX_GROUP_MEMBERS} members.`)
  })
})

describe('locale choice', () => {
  it('maps browser languages', () => {
    expect(localeFromLanguages(['zh-TW', 'en'])).toBe('zh-CN')
    expect(localeFromLanguages(['fr-FR', 'en-GB'])).toBe('en')
    expect(localeFromLanguages(['de'])).toBe('en')
  })

  it('prefers the saved choice and records it on the document', () => {
    saveLocale('zh-CN')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(initialLocale()).toBe('zh-CN')
  })
})
