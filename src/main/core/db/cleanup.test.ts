import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getMessage, searchMessageIds } from '../db/queries/messages'
import { wake } from '../turns'
import { cmdEvent, messageEvent, signedInCore, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { cleanupRunning } from './cleanup'
import type { CoreContext } from '../context'
import { InboundProcessor } from '../services/inbound'

const cores: TestCore[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const t of cores.splice(0)) await t.dispose()
})

function profileHas(dir: string, piece: string): boolean {
  const needle = Buffer.from(piece, 'utf8')
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? files(path.join(d, n)) : [path.join(d, n)]))
  return files(dir).some((f) => readFileSync(f).includes(needle))
}

/** Run `work` inside a turn of turns.ts, as a replay read from the socket runs, and return what it returns. */
function inTurn<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    wake({
      step() {
        resolve(work())
        return false
      },
    })
  })
}

describe('cleanup after withdraws during a replay', () => {
  const word = 'qxzjwv'
  const pieces = ['qxz', 'xzj', 'zjw', 'jwv']

  it('runs in steps of its own after the withdraw, and the stream waits for it', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const db = t.core.testing.db
    for (let i = 0; i < 100; i++) t.link.event(messageEvent('alice', 'bob', `ordinary chatter number ${i} about lunch`))
    const m = messageEvent('alice', 'bob', `secret ${word} word`)
    t.link.event(m)
    expect(pieces.every((p) => profileHas(t.dir, p))).toBe(true)

    const ctx: CoreContext = {
      db,
      emit: () => {},
      now: Date.now,
      serverNow: Date.now,
      me: () => 'bob',
      withdrawWindows: () => ({ recallWindowSeconds: 120, adminRecallWindowSeconds: 0 }),
      draftKept: () => {},
    }
    const inbound = new InboundProcessor(ctx, () => t.link)
    const next = messageEvent('alice', 'bob', 'after the withdraw')
    const seen = await inTurn(() => {
      t.link.event(cmdEvent('alice', m))
      return {
        // applied and announced at once; the merge and truncations follow as steps of their own
        kind: getMessage(db, m.id)!.kind,
        found: searchMessageIds(db, word),
        announced: t.events.of('message:withdrawn').length,
        cleanupRunning: cleanupRunning(db),
        // the server's stream is held back while the index is being merged
        nextTaken: inbound.handleBatch([{ type: 'event', seq: 1_000, event: next }]),
        nextStored: getMessage(db, next.id) !== null,
      }
    })
    expect(seen).toEqual({ kind: 'notice', found: [], announced: 1, cleanupRunning: true, nextTaken: false, nextStored: false })

    await waitFor(() => !cleanupRunning(db), { what: 'the cleanup to end' })
    expect(pieces.filter((p) => profileHas(t.dir, p))).toEqual([])
    expect(inbound.handleBatch([{ type: 'event', seq: 1_000, event: next }])).toBe(true)
    expect(getMessage(db, next.id)).not.toBeNull()
  })

  it('an event handled on its own finishes a running cleanup first', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const db = t.core.testing.db
    const m = messageEvent('alice', 'bob', `secret ${word} word`)
    t.link.event(m)
    const next = messageEvent('alice', 'bob', 'right after')
    const running = await inTurn(() => {
      t.link.event(cmdEvent('alice', m))
      const before = cleanupRunning(db)
      t.link.event(next)
      return [before, cleanupRunning(db)]
    })
    expect(running).toEqual([true, false])
    expect(getMessage(db, next.id)).not.toBeNull()
    expect(pieces.filter((p) => profileHas(t.dir, p))).toEqual([])
  })

  /**
   * The cleanup's first step, seen from a chore queued right behind it: what the profile
   * holds then. `merging` (ms): how long its merge counts as running by that step.
   */
  async function afterFirstStep(merging: number) {
    const t = await signedInCore('bob')
    cores.push(t)
    const db = t.core.testing.db
    for (let i = 0; i < 100; i++) t.link.event(messageEvent('alice', 'bob', `ordinary chatter number ${i} about lunch`))
    const text = `secret ${word} word`
    const m = messageEvent('alice', 'bob', text)
    t.link.event(m)
    const realNow = performance.now.bind(performance)
    let skew = 0
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + skew)
    const seen = new Promise<{ text: boolean; pieces: boolean; running: boolean }>((resolve) => {
      void inTurn(() => {
        t.link.event(cmdEvent('alice', m))
        skew = merging
        wake({
          step() {
            resolve({ text: profileHas(t.dir, text), pieces: pieces.some((p) => profileHas(t.dir, p)), running: cleanupRunning(db) })
            return false
          },
        })
      })
    })
    const first = await seen
    await waitFor(() => !cleanupRunning(db), { what: 'the cleanup to end' })
    return { first, after: { text: profileHas(t.dir, text), pieces: pieces.some((p) => profileHas(t.dir, p)) } }
  }

  it('merges first and truncates once: the text leaves the WAL with the merge done', async () => {
    const { first, after } = await afterFirstStep(0)
    expect(first).toMatchObject({ text: true, running: true })
    expect(after).toEqual({ text: false, pieces: false })
  })

  it('truncates before a merge that runs long is done, and again after it', async () => {
    const { first, after } = await afterFirstStep(60)
    // the row's text is out of the WAL already; its trigrams wait for the merge
    expect(first).toEqual({ text: false, pieces: true, running: true })
    expect(after).toEqual({ text: false, pieces: false })
  })
})
