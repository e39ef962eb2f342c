// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { fail, ok, type MessageView } from '../../../shared/bridge'
import { createFakeBridge, noticeFor, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useConversationsStore } from './conversations'
import { PAGE_SIZE, placeMessage, useMessagesStore } from './messages'
import { useSessionStore } from './session'
import { useUiStore } from './ui'

const CONV = 'dm:alice:bob'

function page(count: number, startTs: number): MessageView[] {
  return Array.from({ length: count }, (_, i) => textMessage({ ts: startTs + i, text: `m${startTs + i}` }))
}

function setup(bridge = createFakeBridge()) {
  const ctx = createTestContext(bridge)
  useSessionStore().user = 'alice'
  return { ...ctx, messages: useMessagesStore(), ui: useUiStore() }
}

describe('placeMessage', () => {
  it('keeps (ts, id) order and replaces by id', () => {
    const a = textMessage({ ts: 10 })
    const b = textMessage({ ts: 20 })
    const c = textMessage({ ts: 15 })
    let items = [a, b]
    items = placeMessage(items, c)
    expect(items.map((m) => m.ts)).toEqual([10, 15, 20])
    items = placeMessage(items, { ...a, ts: 30 })
    expect(items.map((m) => m.id)).toEqual([c.id, b.id, a.id])
  })
})

describe('useMessagesStore', () => {
  it('loads the newest page, then older pages with a cursor', async () => {
    const newest = page(PAGE_SIZE, 1000)
    const older = page(10, 500)
    const bridge = createFakeBridge({
      listMessages: ({ before }) => ok(before ? older : newest),
    })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    expect(messages.timeline(CONV)).toMatchObject({ loaded: true, hasMore: true })
    await messages.loadOlder(CONV)
    expect(bridge.callsTo('listMessages')[1]).toEqual({
      conversationId: CONV,
      limit: PAGE_SIZE,
      before: { ts: newest[0]!.ts, id: newest[0]!.id },
    })
    const t = messages.timeline(CONV)
    expect(t.items).toHaveLength(PAGE_SIZE + 10)
    expect(t.items[0]!.ts).toBe(500)
    expect(t.hasMore).toBe(false)
    // Nothing more to fetch.
    await messages.loadOlder(CONV)
    expect(bridge.callsTo('listMessages')).toHaveLength(2)
  })

  it('stops paging when a page brings nothing older', async () => {
    const newest = page(PAGE_SIZE, 1000)
    const bridge = createFakeBridge({ listMessages: () => ok(newest) })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    await messages.loadOlder(CONV)
    expect(messages.timeline(CONV).hasMore).toBe(false)
  })

  it('keeps events that arrived while the page was loading', async () => {
    let release: (v: ReturnType<typeof ok<MessageView[]>>) => void = () => {}
    const bridge = createFakeBridge({ listMessages: () => new Promise((r) => (release = r)) })
    const { messages } = setup(bridge)
    const loading = messages.load(CONV)
    const live = textMessage({ ts: 5000 })
    bridge.emit('message:added', { message: live })
    release(ok(page(3, 100)))
    await loading
    expect(messages.timeline(CONV).items.map((m) => m.ts)).toEqual([100, 101, 102, 5000])
  })

  it('adds sent and received messages and applies updates in place', async () => {
    const { messages, bridge } = setup()
    await messages.load(CONV)
    const sent = await messages.send(CONV, 'hi there')
    expect(sent.ok).toBe(true)
    const mine = messages.timeline(CONV).items[0]!
    expect(mine).toMatchObject({ text: 'hi there', state: 'sending', mine: true })
    // main may also announce it: no duplicate
    bridge.emit('message:added', { message: mine })
    bridge.emit('message:updated', { message: { ...mine, state: 'delivered' } })
    expect(messages.timeline(CONV).items).toHaveLength(1)
    expect(messages.timeline(CONV).items[0]!.state).toBe('delivered')
  })

  it('replaces a withdrawn message by its notice without a reload', async () => {
    const target = textMessage({ ts: 10, text: 'secret' })
    const other = textMessage({ ts: 20 })
    const bridge = createFakeBridge({ listMessages: () => ok([target, other]) })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    const notice = noticeFor(target)
    bridge.emit('message:withdrawn', { conversationId: CONV, messageId: target.id, notice })
    const items = messages.timeline(CONV).items
    expect(items.map((m) => m.kind)).toEqual(['notice', 'text'])
    expect(items[0]!.id).toBe(target.id)
    expect(JSON.stringify(items)).not.toContain('secret')
    expect(messages.lastWithdrawn).toMatchObject({ conversationId: CONV, notice })
    expect(bridge.callsTo('listMessages')).toHaveLength(1)
  })

  it('withdraw passes the outcome back and reloads only if the notice never came', async () => {
    const target = textMessage({ ts: 10, mine: true })
    const bridge = createFakeBridge({ listMessages: () => ok([target]) })
    const { messages } = setup(bridge)
    await messages.load(CONV)

    bridge.handlers.withdrawMessage = () => {
      bridge.emit('message:withdrawn', { conversationId: CONV, messageId: target.id, notice: noticeFor(target) })
      return ok({ outcome: 'withdrawn' as const })
    }
    expect(await messages.withdraw(target.id)).toEqual({ ok: true, value: { outcome: 'withdrawn' } })
    expect(bridge.callsTo('listMessages')).toHaveLength(1)
  })

  it('withdraw reloads when main answered but the event was lost', async () => {
    const target = textMessage({ ts: 10, mine: true })
    const bridge = createFakeBridge({ listMessages: () => ok([target]) })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    bridge.handlers.listMessages = () => ok([noticeFor(target)])
    await messages.withdraw(target.id)
    expect(messages.timeline(CONV).items[0]!.kind).toBe('notice')
  })

  it('withdraw errors come back to the caller; queued withdraws do not reload', async () => {
    const target = textMessage({ ts: 10, mine: true })
    const bridge = createFakeBridge({
      listMessages: () => ok([target]),
      withdrawMessage: () => fail('RECALL_TIME_LIMIT', 'too late'),
    })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    expect(await messages.withdraw(target.id)).toMatchObject({ ok: false, error: { code: 'RECALL_TIME_LIMIT' } })
    bridge.handlers.withdrawMessage = () => ok({ outcome: 'queued' as const })
    expect(await messages.withdraw(target.id)).toEqual({ ok: true, value: { outcome: 'queued' } })
    expect(bridge.callsTo('listMessages')).toHaveLength(1)
  })

  it('shows message:withdraw-failed as a withdraw error', () => {
    const { bridge, ui } = setup()
    bridge.emit('message:withdraw-failed', { messageId: textMessage().id, error: { code: 'NOT_ALLOWED', message: 'no' } })
    expect(ui.error).toEqual({ scope: 'chat', code: 'NOT_ALLOWED', context: 'withdraw' })
  })

  it('re-edit asks main for the text of a withdrawn message only', async () => {
    const target = textMessage({ ts: 10, mine: true })
    const bridge = createFakeBridge({ listMessages: () => ok([target]) })
    const { messages } = setup(bridge)
    await messages.load(CONV)
    expect(await messages.reEdit(target.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    bridge.emit('message:withdrawn', { conversationId: CONV, messageId: target.id, notice: noticeFor(target, { canReEdit: true }) })
    expect(await messages.reEdit(target.id)).toEqual({ ok: true, value: { text: 'original text' } })
  })

  it('a failed first load is reported and retried next time', async () => {
    const bridge = createFakeBridge({ listMessages: () => fail('DISK_FULL', 'full') })
    const { messages, ui } = setup(bridge)
    await messages.ensureLoaded(CONV)
    expect(ui.error).toMatchObject({ scope: 'chat', code: 'DISK_FULL' })
    bridge.handlers.listMessages = () => ok([])
    await messages.ensureLoaded(CONV)
    expect(messages.timeline(CONV).loaded).toBe(true)
  })

  it('resets on sign-out and reloads the open chat after a resync', async () => {
    const { messages, bridge } = setup()
    const session = useSessionStore()
    const conversations = useConversationsStore()
    await flushPromises()
    await messages.load(CONV)
    await messages.load('dm:alice:carol')
    conversations.activeId = CONV
    session.resyncCount += 1
    await flushPromises()
    expect(Object.keys(messages.timelines)).toEqual([CONV])
    expect(bridge.callsTo('listMessages')).toHaveLength(3)
    session.user = null
    await flushPromises()
    expect(messages.timelines).toEqual({})
  })
})
