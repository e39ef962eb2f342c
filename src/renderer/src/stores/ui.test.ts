// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { createTestContext } from '../testing/context'
import { useUiStore } from './ui'

describe('useUiStore', () => {
  it('holds one error at a time, cleared by scope', () => {
    createTestContext()
    const ui = useUiStore()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    ui.showError('signIn', { code: 'BAD_CREDENTIALS', message: 'x' })
    ui.showError('chat', { code: 'RECALL_TIME_LIMIT', message: 'x' }, 'withdraw')
    expect(ui.error).toEqual({ scope: 'chat', code: 'RECALL_TIME_LIMIT', context: 'withdraw' })
    ui.clearError('signIn')
    expect(ui.error).not.toBeNull()
    ui.clearError('chat')
    expect(ui.error).toBeNull()
    warn.mockRestore()
  })

  it('info and error replace each other', () => {
    createTestContext()
    const ui = useUiStore()
    ui.showErrorKey('newChat', 'newChat.self')
    ui.showInfo('withdraw.queued')
    expect(ui.error).toBeNull()
    expect(ui.info).toEqual({ key: 'withdraw.queued' })
  })

  it('keeps drafts per conversation', () => {
    createTestContext()
    const ui = useUiStore()
    ui.setDraft('dm:a:b', 'hello')
    expect(ui.draft('dm:a:b')).toBe('hello')
    expect(ui.draft('dm:a:c')).toBe('')
    ui.setDraft('dm:a:b', '')
    expect(ui.drafts).toEqual({})
  })
})
