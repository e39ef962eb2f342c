import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { databasePath } from '../db/open'
import { getMessage, searchMessageIds } from '../db/queries/messages'
import { rolloverBatch } from '../db/queries/search-index'
import { REEDIT_KEEP_MS } from '../db/queries/reedit-drafts'
import { cleanupRunning } from '../db/cleanup'
import { cmdEvent, messageEvent, serverTs, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

/** Every file of the profile directory, recursively, as raw bytes. */
function profileBytes(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    return statSync(p).isDirectory() ? profileBytes(p) : [readFileSync(p)]
  })
}

function containsAnywhere(dir: string, marker: string): boolean {
  const needles = [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')]
  return profileBytes(dir).some((bytes) => needles.some((n) => bytes.includes(n)))
}

function marker(): string {
  return `zq-${randomBytes(12).toString('hex')}-marker`
}

describe('no trace after a withdraw', () => {
  it('the receiver keeps nothing of the text: not in the database, free pages, WAL or search index', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const secret = marker()
    // Some traffic around it, so pages get split and reused.
    for (let i = 0; i < 30; i++) t.link.event(messageEvent('alice', 'bob', `filler ${i} ${'x'.repeat(200)}`))
    const m = messageEvent('alice', 'bob', `before ${secret} after`)
    t.link.event(m)
    for (let i = 0; i < 30; i++) t.link.event(messageEvent('alice', 'bob', `more filler ${i}`))
    expect(containsAnywhere(t.dir, secret)).toBe(true)

    t.link.event(cmdEvent('alice', m))
    expect(searchMessageIds(t.core.testing.db, secret)).toEqual([])
    expect(containsAnywhere(t.dir, secret)).toBe(false)

    // And after a clean shutdown as well.
    await t.core.close()
    expect(containsAnywhere(t.dir, secret)).toBe(false)
  })

  it('the sender keeps the text only for re-edit, then nothing', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    const secret = marker()
    const conv = directConversationId('alice', 'bob')
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: conv, text: `my ${secret}` }))
    t.link.deliver({ type: 'ack', id: m.id, ts: serverTs() })
    const pending = t.core.handlers.withdrawMessage({ messageId: m.id })
    t.link.deliver({ type: 'ack', id: t.link.framesOf('cmd')[0]!.id, ts: serverTs() })
    expect(unwrap(await pending).outcome).toBe('withdrawn')
    // the cleanup (merge, then truncation) follows in steps, not inside the withdraw
    expect(cleanupRunning(t.core.testing.db)).toBe(true)
    expect(unwrap(await t.core.handlers.reEdit({ messageId: m.id })).text).toBe(`my ${secret}`)

    t.clock.now += REEDIT_KEEP_MS
    expect((await t.core.handlers.reEdit({ messageId: m.id })).ok).toBe(false)
    await waitFor(() => !containsAnywhere(t.dir, secret), { what: 'no trace of the text' })
  })

  it('a cancelled outbox message leaves nothing once its draft expired', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    t.link.drop()
    const secret = marker()
    const m = unwrap(await t.core.handlers.sendMessage({ conversationId: directConversationId('alice', 'bob'), text: secret }))
    expect(unwrap(await t.core.handlers.withdrawMessage({ messageId: m.id })).outcome).toBe('cancelled')
    t.clock.now += REEDIT_KEEP_MS
    expect((await t.core.handlers.reEdit({ messageId: m.id })).ok).toBe(false)
    await waitFor(() => !containsAnywhere(t.dir, secret), { what: 'no trace of the text' })
  })
})

describe('WAL truncation with a reader in the way', () => {
  it('retries until the reader lets go, then the text is gone', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const secret = marker()
    const m = messageEvent('alice', 'bob', secret)
    t.link.event(m)
    // Another process holds a read snapshot of the profile (e.g. a test looking at it).
    const reader = new BetterSqlite3(databasePath(t.dir), { readonly: true })
    reader.exec('BEGIN')
    reader.prepare('SELECT count(*) FROM messages').get()
    t.link.event(cmdEvent('alice', m))
    expect(searchMessageIds(t.core.testing.db, secret)).toEqual([])
    // Old WAL frames still hold it while the reader's snapshot needs them.
    expect(containsAnywhere(t.dir, secret)).toBe(true)
    reader.exec('COMMIT')
    reader.close()
    await waitFor(() => !containsAnywhere(t.dir, secret), { what: 'the WAL to be truncated' })
  })
})

describe('no trace in the search index term keys', () => {
  // The trigram index keys its terms by the text's trigrams; a distinctive word could be
  // rebuilt from overlapping ones if they outlived the withdraw.
  const word = 'qxzjwv'
  const pieces = [word, 'qxz', 'xzj', 'zjw', 'jwv']
  const anyPiece = (dir: string) => pieces.filter((p) => containsAnywhere(dir, p))

  async function withSecret(): Promise<{ t: TestCore; m: ReturnType<typeof messageEvent> }> {
    const t = await signedInCore('bob')
    cores.push(t)
    for (let i = 0; i < 200; i++) t.link.event(messageEvent('alice', 'bob', `ordinary chatter number ${i} about lunch and plans`))
    const m = messageEvent('alice', 'bob', `secret ${word} word`)
    t.link.event(m)
    for (let i = 0; i < 50; i++) t.link.event(messageEvent('alice', 'bob', `later chatter ${i}`))
    expect(anyPiece(t.dir)).toEqual(pieces)
    return { t, m }
  }

  it('a recent message withdrawn leaves none of its trigrams in the profile', async () => {
    const { t, m } = await withSecret()
    t.link.event(cmdEvent('alice', m))
    expect(searchMessageIds(t.core.testing.db, word)).toEqual([])
    await waitFor(() => anyPiece(t.dir).length === 0, { what: 'the trigrams to be gone' })
    await t.core.close()
    expect(anyPiece(t.dir)).toEqual([])
  })

  it('an archived message withdrawn leaves none either', async () => {
    const { t, m } = await withSecret()
    const db = t.core.testing.db
    // It and everything before it ages into the archive; the rollover's own closing merge of
    // recent has not run yet, so recent still holds the moved text's terms as keys.
    while (rolloverBatch(db, m.ts + 1) > 0);
    const rowId = getMessage(db, m.id)!.rowId
    expect(db.prepare('SELECT count(*) FROM messages_fts_archive WHERE rowid = ?').pluck().get(rowId)).toBe(1)
    expect(searchMessageIds(db, word)).toEqual([m.id])
    t.link.event(cmdEvent('alice', m))
    expect(searchMessageIds(db, word)).toEqual([])
    await waitFor(() => anyPiece(t.dir).length === 0, { what: 'the trigrams to be gone' })
  })

  it('a burst of withdraws closed before its coalesced merge ran still leaves none', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const first = messageEvent('alice', 'bob', 'an ordinary first message')
    const m = messageEvent('alice', 'bob', `secret ${word} word`)
    t.link.event(first)
    t.link.event(m)
    // The first withdraw truncates at once; the second waits for the coalescing window.
    t.link.event(cmdEvent('alice', first))
    t.link.event(cmdEvent('alice', m))
    await t.core.close()
    expect(anyPiece(t.dir)).toEqual([])
  })
})
