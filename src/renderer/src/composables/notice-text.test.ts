// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import type { GroupNotice, NoticeView, WithdrawNotice } from '../../../shared/bridge'
import { createParleyI18n } from '../i18n'
import { noticeText } from './notice-text'

function notice(actor: string, author: string, reason: string | null = null): WithdrawNotice {
  return { type: 'withdrawn', actor, author, reason, canReEdit: false }
}

function render(n: NoticeView, me: string, locale: 'en' | 'zh-CN'): string {
  const { t } = createParleyI18n(locale).global
  const words = { you: t('notice.you'), youObject: t('notice.youObject'), separator: t('notice.separator') }
  const { key, params } = noticeText(n, me, words)
  return t(key, params)
}

function group(type: GroupNotice['type'], actor: string, members: string[], role: GroupNotice['role'] = null): GroupNotice {
  return { type, actor, members, role }
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
  it('describes group changes, with "you" for the reader', () => {
    expect(render(group('group-created', 'alice', ['bob', 'carol']), 'bob', 'en')).toBe('alice created the group with you, carol')
    expect(render(group('group-created', 'alice', []), 'alice', 'en')).toBe('You created the group')
    expect(render(group('member-added', 'alice', ['dave']), 'bob', 'zh-CN')).toBe('alice 邀请 dave 加入了群聊')
    expect(render(group('member-removed', 'alice', ['bob']), 'bob', 'en')).toBe('alice removed you')
    expect(render(group('member-left', 'carol', ['carol']), 'bob', 'en')).toBe('carol left the group')
    expect(render(group('role-changed', 'alice', ['bob'], 'admin'), 'bob', 'en')).toBe('alice made you an admin')
    expect(render(group('role-changed', 'alice', ['bob'], 'owner'), 'carol', 'zh-CN')).toBe('alice 将群主转让给了 bob')
  })
})
