// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { ok, type Result, type SearchResult } from '../../../shared/bridge'
import { createFakeBridge, noticeFor, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useSearchStore } from './search'
import { useSessionStore } from './session'

function setup(handler: (args: { query: string; conversationId?: string }) => Result<SearchResult> | Promise<Result<SearchResult>>) {
  const bridge = createFakeBridge({ searchMessages: handler })
  createTestContext(bridge)
  useSessionStore().user = 'alice'
  return { bridge, search: useSearchStore() }
}

describe('search store', () => {
  it('asks main with the query and the scope, and keeps the answer', async () => {
    const hit = textMessage({ text: 'quick brown fox' })
    const { bridge, search } = setup(() => ok({ mode: 'index', messages: [hit] }))
    search.query = 'brown'
    await search.run()
    search.conversationId = 'dm:alice:bob'
    await search.run()
    expect(bridge.callsTo('searchMessages')).toEqual([{ query: 'brown' }, { query: 'brown', conversationId: 'dm:alice:bob' }])
    expect(search.results).toEqual([hit])
    expect(search.mode).toBe('index')
    expect(search.resultQuery).toBe('brown')
  })

  it('keeps only the newest answer when they arrive out of order', async () => {
    const resolvers: Array<(r: Result<SearchResult>) => void> = []
    const { search } = setup(() => new Promise((resolve) => resolvers.push(resolve)))
    search.query = 'first'
    const first = search.run()
    search.query = 'second'
    const second = search.run()
    resolvers[1]!(ok({ mode: 'index', messages: [textMessage({ text: 'second' })] }))
    await second
    resolvers[0]!(ok({ mode: 'index', messages: [textMessage({ text: 'first' })] }))
    await first
    expect(search.results.map((m) => m.text)).toEqual(['second'])
  })

  it('drops a result the moment its message is withdrawn', async () => {
    const gone = textMessage({ text: 'secret plan' })
    const kept = textMessage({ text: 'public plan' })
    const { bridge, search } = setup(() => ok({ mode: 'index', messages: [gone, kept] }))
    search.query = 'plan'
    await search.run()
    bridge.emit('message:withdrawn', { conversationId: gone.conversationId, messageId: gone.id, notice: noticeFor(gone) })
    expect(search.results).toEqual([kept])
  })

  it('passes on the too-short answer, and an empty query asks nothing', async () => {
    const { bridge, search } = setup(() => ok({ mode: 'too-short', messages: [] }))
    search.query = '你好'
    await search.run()
    expect(search.mode).toBe('too-short')
    search.query = '   '
    await search.run()
    expect(search.mode).toBe('empty')
    expect(bridge.callsTo('searchMessages')).toHaveLength(1)
  })
})
