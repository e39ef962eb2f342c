// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { ok, type MessageView } from '../../../shared/bridge'
import { createFakeBridge, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { PAGE_SIZE, useMessagesStore } from './messages'
import { useSessionStore } from './session'

const CONV = 'dm:alice:bob'

function history(count: number): MessageView[] {
  return Array.from({ length: count }, (_, i) => textMessage({ ts: 1000 + i, text: `m${i}` }))
}

/** A fake core over a fixed history, paging like the real one. */
function pagingBridge(all: MessageView[]) {
  return createFakeBridge({
    listMessages: ({ before, after, around, limit = PAGE_SIZE }) => {
      if (around) {
        const i = all.findIndex((m) => m.id === around)
        if (i < 0) return { ok: false, error: { code: 'NOT_FOUND', message: 'gone' } }
        const older = Math.floor((limit - 1) / 2)
        return ok(all.slice(Math.max(0, i - older), i + 1 + (limit - 1 - older)))
      }
      if (after) {
        const i = all.findIndex((m) => m.id === after.id)
        return ok(all.slice(i + 1, i + 1 + limit))
      }
      const end = before ? all.findIndex((m) => m.id === before.id) : all.length
      return ok(all.slice(Math.max(0, end - limit), end))
    },
  })
}

function setup(all: MessageView[]) {
  const bridge = pagingBridge(all)
  createTestContext(bridge)
  useSessionStore().user = 'alice'
  return { bridge, messages: useMessagesStore() }
}

describe('a timeline opened at an older message', () => {
  it('holds a page around it, knows there is more on both sides, and asks the list to show it', async () => {
    const all = history(300)
    const { messages } = setup(all)
    const target = all[100]!
    expect((await messages.openAround(CONV, target.id)).ok).toBe(true)
    const t = messages.timeline(CONV)
    expect(t.items.map((m) => m.text)).toContain('m100')
    expect(t.items).toHaveLength(PAGE_SIZE)
    expect(t).toMatchObject({ loaded: true, hasMore: true, hasNewer: true })
    expect(messages.focusTarget).toMatchObject({ conversationId: CONV, messageId: target.id })
  })

  it('pages forward until it reaches the present', async () => {
    const all = history(130)
    const { messages } = setup(all)
    await messages.openAround(CONV, all[20]!.id)
    while (messages.timeline(CONV).hasNewer) await messages.loadNewer(CONV)
    const t = messages.timeline(CONV)
    expect(t.items.at(-1)!.text).toBe('m129')
    // Contiguous and in order, nothing twice.
    const texts = t.items.map((m) => Number(m.text!.slice(1)))
    expect(texts).toEqual(texts.map((_, i) => texts[0]! + i))
  })

  it('does not let live messages land past its end; sending returns to the newest page', async () => {
    const all = history(300)
    const { bridge, messages } = setup(all)
    await messages.openAround(CONV, all[50]!.id)
    const live = textMessage({ ts: 5000, text: 'live' })
    bridge.emit('message:added', { message: live })
    expect(messages.timeline(CONV).items.some((m) => m.id === live.id)).toBe(false)
    // An update of a loaded message still applies.
    const loaded = messages.timeline(CONV).items[3]!
    bridge.emit('message:updated', { message: { ...loaded, state: 'delivered' } })
    expect(messages.findMessage(loaded.id)?.state).toBe('delivered')

    await messages.send(CONV, 'hello')
    const t = messages.timeline(CONV)
    expect(t.hasNewer).toBe(false)
    expect(t.items.at(-2)!.text).toBe('m299')
    expect(t.items.at(-1)!.text).toBe('hello')
  })

  it('reports a message that is gone', async () => {
    const { messages } = setup(history(10))
    expect(await messages.openAround(CONV, '00000000-0000-7000-8000-00000000ffff')).toMatchObject({ ok: false })
  })

  it('focuses a loaded message without fetching', async () => {
    const all = history(10)
    const { bridge, messages } = setup(all)
    await messages.load(CONV)
    const calls = bridge.callsTo('listMessages').length
    expect(messages.focusLoaded(CONV, all[2]!.id)).toBe(true)
    expect(messages.focusLoaded(CONV, 'nope')).toBe(false)
    expect(bridge.callsTo('listMessages')).toHaveLength(calls)
  })
})

describe('replies', () => {
  it('send the id of the message they answer', async () => {
    const { bridge, messages } = setup(history(3))
    await messages.send(CONV, 'answer', 'quoted-id')
    expect(bridge.callsTo('sendMessage')).toEqual([{ conversationId: CONV, text: 'answer', replyTo: 'quoted-id' }])
  })
})
