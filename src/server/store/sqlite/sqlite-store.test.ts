/**
 * The SQLite store: the store contract (../conformance.ts) on a fresh data directory, and
 * what only this engine promises: one store-wide clock taking the caller's `now`, kept
 * exactly across restarts, and counters that skip what a rolled-back write took.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../../shared/ids'
import { directConversationId } from '../../../shared/protocol'
import { describeChatStore } from '../conformance'
import type { NewMessage } from '../types'
import { SqliteStore } from './sqlite-store'

/** One message at a time, through the batch method (the protocol layer batches per turn). */
const appendMessage = async (m: NewMessage) => (await store.appendMessages([m]))[0]!

let dir: string
let store: SqliteStore
const ab = directConversationId('alice', 'bob')

function append(text: string, now = 1_000, id = newId()) {
  return appendMessage({ id, conversationId: ab, sender: 'alice', text, members: ['alice', 'bob'], now })
}

describeChatStore('SqliteStore', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'))
  let current = SqliteStore.open(dataDir)
  return {
    store: current,
    async reopen() {
      await current.close()
      current = SqliteStore.open(dataDir)
      return current
    },
    async dispose() {
      await current.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
})

describe('SqliteStore clock and counters', () => {
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'))
    store = SqliteStore.open(dir)
    for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
  })
  afterEach(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('hands out unique increasing timestamps and log seqs, also across a restart', async () => {
    // the first in a group commit of its own, the next two sharing one
    const first = await append('a', 5_000)
    const [second, third] = await Promise.all([append('b', 5_000), append('c', 4_000)])
    const ts = [first, second, third].map((r) => (r.kind === 'appended' ? r.ts : -1))
    expect(ts).toEqual([5_000, 5_001, 5_002])

    await store.close()
    store = SqliteStore.open(dir)
    const fourth = await append('d', 10)
    expect(fourth).toMatchObject({ kind: 'appended', ts: 5_003, deliveries: [{ username: 'alice', seq: 4 }, { username: 'bob', seq: 4 }] })
  })

  it('never repeats a seq or timestamp that was written, when a write that took some rolls back', async () => {
    await append('a', 5_000)
    // the second member does not exist: the write fails after the first member's event was appended
    const failed = appendMessage({ id: newId(), conversationId: ab, sender: 'alice', text: 'x', members: ['alice', 'nobody'], now: 5_000 })
    await expect(failed).rejects.toThrow(/unknown user nobody/)
    const next = await append('b', 5_000)
    if (next.kind !== 'appended') throw new Error(next.kind)
    // gaps where the rolled-back write took them (they were never stored, so never seen)
    expect(next.ts).toBeGreaterThan(5_001)
    const [aliceSeq, bobSeq] = next.deliveries.map((d) => d.seq) as [number, number]
    expect(aliceSeq).toBeGreaterThan(2)
    expect(bobSeq).toBe(2)
    await store.close()
    store = SqliteStore.open(dir)
    const after = await append('c', 5_000)
    if (after.kind !== 'appended') throw new Error(after.kind)
    expect(after.ts).toBe(next.ts + 1)
    expect(after.deliveries.map((d) => d.seq)).toEqual([aliceSeq + 1, 3])
    expect((await store.eventsAfter('alice', 0, 10)).map((e) => e.seq)).toEqual([1, aliceSeq, aliceSeq + 1])
  })
})
