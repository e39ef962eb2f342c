import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../shared/protocol'
import { signedInCore } from './testing/harness'
import { disposedAfterEach } from './testing/cores'

const cores = disposedAfterEach()

describe('a full disk', () => {
  it('is reported as DISK_FULL and nothing is half-written', async () => {
    const t = await signedInCore('alice')
    cores.push(t)
    const db = t.core.testing.db
    const conv = directConversationId('alice', 'bob')
    // Cap the file at its current size: the next page SQLite needs is "disk full" (SQLITE_FULL).
    const pages = db.pragma('page_count', { simple: true }) as number
    db.pragma(`max_page_count = ${pages}`)
    let result = await t.core.handlers.sendMessage({ conversationId: conv, text: 'x'.repeat(5_000) })
    for (let i = 0; result.ok && i < 50; i++) {
      result = await t.core.handlers.sendMessage({ conversationId: conv, text: 'y'.repeat(5_000) })
    }
    expect(result).toMatchObject({ ok: false, error: { code: 'DISK_FULL' } })
    const orphans = db
      .prepare("SELECT count(*) FROM messages m WHERE m.state = 'sending' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = m.id)")
      .pluck()
      .get()
    expect(orphans).toBe(0)
  })
})
