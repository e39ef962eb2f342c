import { afterEach, describe, expect, it } from 'vitest'
import { searchMessageIds } from '../db/queries/messages'
import { RECENT_INDEX_MS } from '../db/queries/search-index'
import { messageEvent, signedInCore, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'
import type { CoreContext } from '../context'
import { SearchIndexRollover } from './search-rollover'

const cores: TestCore[] = []
const rollovers: SearchIndexRollover[] = []
afterEach(async () => {
  for (const r of rollovers.splice(0)) r.stop()
  for (const t of cores.splice(0)) await t.dispose()
})

function contextOf(t: TestCore): CoreContext {
  return {
    db: t.core.testing.db,
    emit: () => {},
    now: () => t.clock.now,
    serverNow: () => t.clock.now,
    me: () => 'bob',
    withdrawWindows: () => ({ recallWindowSeconds: 120, adminRecallWindowSeconds: 86_400 }),
    draftKept: () => {},
  }
}

const count = (t: TestCore, table: string) => t.core.testing.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number

describe('search index rollover', () => {
  it('moves aged messages to the archive; search finds messages in both partitions', async () => {
    const t = await signedInCore('bob')
    cores.push(t)
    const old = Date.now() - RECENT_INDEX_MS - 60_000
    const aged = Array.from({ length: 3 }, (_, i) => messageEvent('alice', 'bob', `aged walrus ${i}`, { ts: old + i }))
    for (const m of aged) t.link.event(m)
    const fresh = messageEvent('alice', 'bob', 'fresh walrus')
    t.link.event(fresh)
    expect(count(t, 'messages_fts_recent')).toBe(4)

    const rollover = new SearchIndexRollover(contextOf(t))
    rollovers.push(rollover)
    rollover.start()
    await waitFor(() => count(t, 'messages_fts_archive') === 3, { what: 'the aged messages to move' })
    expect(count(t, 'messages_fts_recent')).toBe(1)
    expect(searchMessageIds(t.core.testing.db, 'walrus').sort()).toEqual([fresh.id, ...aged.map((m) => m.id)].sort())
    expect(searchMessageIds(t.core.testing.db, 'aged walrus 1')).toEqual([aged[1]!.id])
  })
})
