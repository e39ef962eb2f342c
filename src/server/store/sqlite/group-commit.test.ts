import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../../shared/ids'
import { directConversationId } from '../../../shared/protocol'
import { openDatabase } from './open'
import type { NewMessage } from '../types'
import { SqliteStore } from './sqlite-store'

/** One message at a time, through the batch method (the protocol layer batches per turn). */
const appendMessage = async (m: NewMessage) => (await store.appendMessages([m]))[0]!

let dir: string
let store: SqliteStore
const ab = directConversationId('alice', 'bob')

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-group-commit-'))
  store = SqliteStore.open(dir)
  for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
})
afterEach(async () => {
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

function append(text: string, members = ['alice', 'bob'], id = newId()) {
  return appendMessage({ id, conversationId: ab, sender: 'alice', text, members, now: 1_000 })
}

describe('SqliteStore group commit', () => {
  it('commits writes issued together in the order they were issued', async () => {
    const results = await Promise.all(['one', 'two', 'three'].map((text) => append(text)))
    expect(results.map((r) => r.kind)).toEqual(['appended', 'appended', 'appended'])
    const events = await store.eventsAfter('bob', 0, 10)
    expect(events.map((e) => (e.event.kind === 'message' ? e.event.text : null))).toEqual(['one', 'two', 'three'])
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3])
  })

  it('undoes only the write that failed; the others in the same commit stand', async () => {
    const [first, broken, last] = await Promise.allSettled([
      append('kept before'),
      // appending to the log of a user who does not exist throws inside the write
      append('never stored', ['alice', 'nobody']),
      append('kept after'),
    ])
    expect(first.status).toBe('fulfilled')
    expect(broken.status).toBe('rejected')
    expect(last.status).toBe('fulfilled')
    const texts = (await store.eventsAfter('alice', 0, 10)).map((e) => (e.event.kind === 'message' ? e.event.text : null))
    expect(texts).toEqual(['kept before', 'kept after'])
  })

  it('commits writes still waiting when the store closes, and refuses writes after', async () => {
    const pending = append('in flight at close')
    await store.close()
    await expect(pending).resolves.toMatchObject({ kind: 'appended' })
    await expect(append('too late')).rejects.toThrow(/closed/)

    store = SqliteStore.open(dir)
    const texts = (await store.eventsAfter('bob', 0, 10)).map((e) => (e.event.kind === 'message' ? e.event.text : null))
    expect(texts).toEqual(['in flight at close'])
  })
})

describe('SqliteStore durability', () => {
  /** A WAL sync the test finishes by hand. */
  function manualSync() {
    const waiting: Array<() => void> = []
    return {
      sync: () => new Promise<void>((resolve) => waiting.push(resolve)),
      close() {},
      /** Finishes the sync running now; false when none runs. */
      finish(): boolean {
        const next = waiting.shift()
        next?.()
        return next !== undefined
      },
      get running() {
        return waiting.length
      },
    }
  }

  async function turn() {
    await new Promise((resolve) => setImmediate(resolve))
  }

  it('settles a write only after a WAL sync that began after its commit, and reads out no event before then', async () => {
    await store.close()
    const wal = manualSync()
    store = new SqliteStore(openDatabase(dir), wal)
    let settled = false
    const first = append('first').then((r) => {
      settled = true
      return r
    })
    await turn()
    expect(wal.running).toBe(1)
    // committed, not yet durable: not answered, and not handed to any device
    expect(settled).toBe(false)
    expect(await store.eventsAfter('bob', 0, 10)).toEqual([])

    // a write committed while that sync runs waits for the next one
    const second = append('second')
    await turn()
    expect(wal.running).toBe(1)
    wal.finish()
    await expect(first).resolves.toMatchObject({ kind: 'appended' })
    expect((await store.eventsAfter('bob', 0, 10)).map((e) => e.seq)).toEqual([1])
    await turn()
    expect(wal.running).toBe(1)
    wal.finish()
    await expect(second).resolves.toMatchObject({ kind: 'appended' })
    expect((await store.eventsAfter('bob', 0, 10)).map((e) => e.seq)).toEqual([1, 2])
  })

  it('after a failed WAL sync it refuses every write, and says to restart', async () => {
    await store.close()
    store = new SqliteStore(openDatabase(dir), { sync: () => Promise.reject(new Error('EIO')), close() {} })
    await expect(append('lost')).rejects.toThrow(/could not be synced to disk \(EIO\); restart the server/)
    await expect(append('after')).rejects.toThrow(/restart the server/)
    expect(await store.eventsAfter('bob', 0, 10)).toEqual([])
  })
})
