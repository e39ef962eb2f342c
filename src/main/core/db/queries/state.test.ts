import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { advanceCursor, clearSession, deviceId, getCursor, getMeta, getSession, setSession } from './meta'
import { insertTextMessage } from './messages'
import { wipeAccountData } from './profile'
import { deleteExpiredDrafts, getLiveDraft, nextDraftExpiry, putDraft } from './reedit-drafts'
import { deleteTombstone, getTombstone, putTombstone } from './tombstones'
import { testDb } from './test-db'

let t: ReturnType<typeof testDb>
beforeEach(() => {
  t = testDb()
})
afterEach(() => t.dispose())

describe('meta', () => {
  it('keeps one device id', () => {
    const id = deviceId(t.db)
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(deviceId(t.db)).toBe(id)
  })

  it('stores and clears the session but remembers the account', () => {
    setSession(t.db, { token: 't'.repeat(40), username: 'alice' })
    expect(getSession(t.db)).toEqual({ token: 't'.repeat(40), username: 'alice' })
    clearSession(t.db)
    expect(getSession(t.db)).toBeNull()
    expect(getMeta(t.db, 'account')).toBe('alice')
  })

  it('never moves the cursor backwards', () => {
    expect(advanceCursor(t.db, 5)).toBe(5)
    expect(advanceCursor(t.db, 3)).toBe(5)
    expect(getCursor(t.db)).toBe(5)
  })
})

describe('tombstones', () => {
  it('stores pending, then applied', () => {
    const base = { msgId: 'm1', conversationId: 'dm:alice:bob', by: 'alice', author: 'alice', at: 5, messageTs: 4, reason: null }
    putTombstone(t.db, { ...base, status: 'pending' })
    expect(getTombstone(t.db, 'm1')).toEqual({ ...base, status: 'pending' })
    putTombstone(t.db, { ...base, status: 'applied' })
    expect(getTombstone(t.db, 'm1')!.status).toBe('applied')
    deleteTombstone(t.db, 'm1')
    expect(getTombstone(t.db, 'm1')).toBeNull()
  })
})

describe('re-edit drafts', () => {
  it('are readable until they expire, then deleted', () => {
    putDraft(t.db, 'm1', 'first', 100)
    putDraft(t.db, 'm2', 'second', 200)
    expect(getLiveDraft(t.db, 'm1', 99)).toBe('first')
    expect(getLiveDraft(t.db, 'm1', 100)).toBeNull()
    expect(nextDraftExpiry(t.db)).toBe(100)
    expect(deleteExpiredDrafts(t.db, 150)).toEqual(['m1'])
    expect(nextDraftExpiry(t.db)).toBe(200)
  })
})

describe('wipeAccountData', () => {
  it('forgets everything but the device id', () => {
    const id = deviceId(t.db)
    setSession(t.db, { token: 'x'.repeat(40), username: 'alice' })
    insertTextMessage(t.db, { id: 'm1', conversationId: 'dm:alice:bob', sender: 'bob', text: 'hi there', ts: 1, state: null })
    wipeAccountData(t.db)
    expect(deviceId(t.db)).toBe(id)
    expect(getMeta(t.db, 'account')).toBeNull()
    const counts = t.db
      .prepare('SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM conversations) + (SELECT count(*) FROM messages_fts_recent) + (SELECT count(*) FROM messages_fts_archive) AS n')
      .get() as { n: number }
    expect(counts.n).toBe(0)
  })
})
