// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import type { WithdrawNotice } from '../../../shared/bridge'
import { createParleyI18n } from '../i18n'
import { noticeText } from './notice-text'

function notice(actor: string, author: string, reason: string | null = null): WithdrawNotice {
  return { type: 'withdrawn', actor, author, reason, canReEdit: false }
}

function render(n: WithdrawNotice, me: string, locale: 'en' | 'zh-CN'): string {
  const { t } = createParleyI18n(locale).global
  const { key, params } = noticeText(n, me)
  return t(key, params)
}

describe('withdraw notice sentences', () => {
  it('reads right for everyone involved, in English and Chinese', () => {
    expect(render(notice('alice', 'alice'), 'bob', 'en')).toBe('alice withdrew a message')
    expect(render(notice('alice', 'alice'), 'bob', 'zh-CN')).toBe('alice 撤回了一条消息')
    expect(render(notice('alice', 'alice'), 'alice', 'en')).toBe('You withdrew a message')
    expect(render(notice('alice', 'alice'), 'alice', 'zh-CN')).toBe('你撤回了一条消息')
    expect(render(notice('bob', 'alice'), 'carol', 'en')).toBe('Admin bob withdrew a message from alice')
    expect(render(notice('bob', 'alice'), 'carol', 'zh-CN')).toBe('管理员 bob 撤回了 alice 的一条消息')
    expect(render(notice('bob', 'alice'), 'bob', 'en')).toBe('You withdrew a message from alice')
    expect(render(notice('bob', 'alice'), 'alice', 'en')).toBe('Admin bob withdrew your message')
  })
})
