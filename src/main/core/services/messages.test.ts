import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { messageEvent, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

const conv = directConversationId('alice', 'bob')

async function withHistory(n: number): Promise<{ t: TestCore; ids: string[] }> {
  const t = await signedInCore('bob')
  cores.push(t)
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const e = messageEvent('alice', 'bob', `m${i}`)
    t.link.event(e)
    ids.push(e.id)
  }
  return { t, ids }
}

const texts = (views: { text: string | null }[]): Array<string | null> => views.map((v) => v.text)

describe('paging a conversation', () => {
  it('pages back from the newest, and forward again after a cursor', async () => {
    const { t } = await withHistory(7)
    const newest = unwrap(await t.core.handlers.listMessages({ conversationId: conv, limit: 3 }))
    expect(texts(newest)).toEqual(['m4', 'm5', 'm6'])
    const older = unwrap(await t.core.handlers.listMessages({ conversationId: conv, limit: 3, before: newest[0]! }))
    expect(texts(older)).toEqual(['m1', 'm2', 'm3'])
    const newer = unwrap(await t.core.handlers.listMessages({ conversationId: conv, limit: 2, after: older[0]! }))
    expect(texts(newer)).toEqual(['m2', 'm3'])
    expect(unwrap(await t.core.handlers.listMessages({ conversationId: conv, after: newest[2]! }))).toEqual([])
  })

  it('opens a page around one message (a search result in context)', async () => {
    const { t, ids } = await withHistory(9)
    expect(texts(unwrap(await t.core.handlers.listMessages({ conversationId: conv, around: ids[4]!, limit: 5 })))).toEqual([
      'm2',
      'm3',
      'm4',
      'm5',
      'm6',
    ])
    // Near an end the page is just shorter on that side.
    expect(texts(unwrap(await t.core.handlers.listMessages({ conversationId: conv, around: ids[0]!, limit: 5 })))).toEqual([
      'm0',
      'm1',
      'm2',
    ])
    expect(
      await t.core.handlers.listMessages({ conversationId: directConversationId('bob', 'carol'), around: ids[0]! }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})
