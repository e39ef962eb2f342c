import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../open'
import {
  deleteOutboxEntry,
  deleteOutboxFor,
  enqueue,
  findOutboxFor,
  getOutboxEntry,
  listOutbox,
  markTransmitted,
} from './outbox'
import { testDb } from './test-db'

let t: ReturnType<typeof testDb>
beforeEach(() => {
  t = testDb()
})
afterEach(() => t.dispose())

function queue(id: string, kind: 'send' | 'cmd', messageId = id) {
  enqueue(t.db, { id, kind, conversationId: 'dm:alice:bob', messageId, reason: null, transmitted: false, createdAt: 1 })
}

describe('outbox queries', () => {
  it('keeps queue order and survives a reopen of the same file', () => {
    queue('z', 'send')
    queue('a', 'send')
    queue('c1', 'cmd', 'z')
    t.db.close()
    t.db = openDatabase({ profileDir: t.dir })
    expect(listOutbox(t.db).map((e) => [e.id, e.kind])).toEqual([
      ['z', 'send'],
      ['a', 'send'],
      ['c1', 'cmd'],
    ])
  })

  it('tracks transmission and finds entries by message', () => {
    queue('m1', 'send')
    queue('c1', 'cmd', 'm1')
    markTransmitted(t.db, ['m1'])
    expect(getOutboxEntry(t.db, 'm1')!.transmitted).toBe(true)
    expect(findOutboxFor(t.db, 'm1', 'cmd')!.id).toBe('c1')
    expect(deleteOutboxEntry(t.db, 'm1')).toBe(true)
    expect(deleteOutboxEntry(t.db, 'm1')).toBe(false)
    deleteOutboxFor(t.db, 'm1')
    expect(listOutbox(t.db)).toEqual([])
  })
})
