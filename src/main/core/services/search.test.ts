import { describe, expect, it } from 'vitest'
import type { SearchResult } from '../../../shared/bridge'
import { directConversationId } from '../../../shared/protocol'
import { cmdEvent, messageEvent, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { searchTerms } from './search'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

const withAlice = directConversationId('alice', 'bob')
const withCarol = directConversationId('bob', 'carol')

async function bob(): Promise<TestCore> {
  const t = await signedInCore('bob')
  cores.push(t)
  return t
}

async function search(t: TestCore, query: string, conversationId?: string): Promise<{ mode: SearchResult['mode']; texts: string[] }> {
  const r = unwrap(await t.core.handlers.searchMessages(conversationId ? { query, conversationId } : { query }))
  return { mode: r.mode, texts: r.messages.map((m) => m.text!) }
}

describe('searchTerms', () => {
  it('splits on any white space (ideographic space too), drops duplicates', () => {
    expect(searchTerms('  quick\tfox  quick ')).toEqual(['quick', 'fox'])
    expect(searchTerms('明天\u3000开会')).toEqual(['明天', '开会'])
    expect(searchTerms('   ')).toEqual([])
  })
})

describe('searching the history', () => {
  it('finds English words anywhere in a message, case-insensitively, newest first', async () => {
    const t = await bob()
    t.link.event(messageEvent('alice', 'bob', 'The quick brown fox'))
    t.link.event(messageEvent('carol', 'bob', 'a brown bear'))
    t.link.event(messageEvent('alice', 'bob', 'nothing to see'))
    expect(await search(t, 'brown')).toEqual({ mode: 'index', texts: ['a brown bear', 'The quick brown fox'] })
    expect(await search(t, 'BROWN FOX')).toEqual({ mode: 'index', texts: ['The quick brown fox'] })
    // Terms, not one phrase: both parts of a word are found in it.
    expect((await search(t, 'ick bro')).texts).toEqual(['The quick brown fox'])
    expect((await search(t, 'brown', withCarol)).texts).toEqual(['a brown bear'])
  })

  it('finds Chinese with the trigram index, and shorter Chinese terms within one conversation', async () => {
    const t = await bob()
    t.link.event(messageEvent('alice', 'bob', '我们明天开会讨论项目进度'))
    t.link.event(messageEvent('alice', 'bob', '今天天气很好'))
    t.link.event(messageEvent('carol', 'bob', '项目已经完成了'))
    expect(await search(t, '开会讨论')).toEqual({ mode: 'index', texts: ['我们明天开会讨论项目进度'] })
    // Two characters are too few for the index: across all chats the UI is told so...
    expect(await search(t, '项目')).toEqual({ mode: 'too-short', texts: [] })
    // ...and within one chat they are matched directly.
    expect(await search(t, '项目', withAlice)).toEqual({ mode: 'scan', texts: ['我们明天开会讨论项目进度'] })
    expect(await search(t, '明天 进度', withAlice)).toEqual({ mode: 'scan', texts: ['我们明天开会讨论项目进度'] })
    // A long term uses the index everywhere; the short ones narrow what it found.
    expect(await search(t, '讨论项目 明天')).toEqual({ mode: 'index', texts: ['我们明天开会讨论项目进度'] })
    expect(await search(t, '讨论项目 天气')).toEqual({ mode: 'index', texts: [] })
  })

  it('takes the query literally: quotes, LIKE wildcards and FTS syntax match themselves', async () => {
    const t = await bob()
    t.link.event(messageEvent('alice', 'bob', 'we are 50% done'))
    t.link.event(messageEvent('alice', 'bob', 'we are 500 meters away'))
    t.link.event(messageEvent('alice', 'bob', 'she said "hi" NEAR me'))
    expect((await search(t, '50%', withAlice)).texts).toEqual(['we are 50% done'])
    expect((await search(t, '%', withAlice)).texts).toEqual(['we are 50% done'])
    expect((await search(t, '"hi"')).texts).toEqual(['she said "hi" NEAR me'])
    expect((await search(t, 'NEAR me OR')).texts).toEqual([])
    expect(await search(t, '')).toEqual({ mode: 'empty', texts: [] })
  })

  it('never finds a withdrawn message, in English or Chinese, by index or by scan', async () => {
    const t = await bob()
    const english = messageEvent('alice', 'bob', 'secret plans for friday')
    const chinese = messageEvent('alice', 'bob', '秘密计划在周五')
    const kept = messageEvent('alice', 'bob', 'plans that stay')
    for (const e of [english, chinese, kept]) t.link.event(e)
    expect((await search(t, 'plans')).texts).toEqual(['plans that stay', 'secret plans for friday'])
    expect((await search(t, '秘密计划')).texts).toEqual(['秘密计划在周五'])

    t.link.event(cmdEvent('alice', english))
    t.link.event(cmdEvent('alice', chinese))
    expect((await search(t, 'plans')).texts).toEqual(['plans that stay'])
    expect((await search(t, 'secret')).texts).toEqual([])
    expect((await search(t, '秘密计划')).texts).toEqual([])
    expect((await search(t, '周五', withAlice)).texts).toEqual([])
    expect((await search(t, 'fr', withAlice)).texts).toEqual([])
  })

  it('needs a signed-in user', async () => {
    const t = await bob()
    unwrap(await t.core.handlers.signOut({}))
    expect(await t.core.handlers.searchMessages({ query: 'anything' })).toMatchObject({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
  })
})
