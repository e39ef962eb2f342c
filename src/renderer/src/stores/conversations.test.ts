// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { fail, ok } from '../../../shared/bridge'
import { conversationView, createFakeBridge, textMessage } from '../testing/fake-bridge'
import { createTestContext } from '../testing/context'
import { useConversationsStore } from './conversations'
import { useSessionStore } from './session'

function signedIn(bridge = createFakeBridge()) {
  const ctx = createTestContext(bridge)
  const session = useSessionStore()
  session.user = 'alice'
  return { ...ctx, session, conversations: useConversationsStore() }
}

describe('useConversationsStore', () => {
  it('loads when a user is signed in and sorts most recent first', async () => {
    const bridge = createFakeBridge({
      listConversations: () =>
        ok([
          conversationView({ id: 'dm:alice:bob', peer: 'bob', lastTs: 100 }),
          conversationView({ id: 'dm:alice:carol', peer: 'carol', lastTs: 300 }),
          conversationView({ id: 'dm:alice:dave', peer: 'dave', lastTs: 200 }),
        ]),
    })
    const { conversations } = signedIn(bridge)
    await flushPromises()
    expect(conversations.list.map((c) => c.peer)).toEqual(['carol', 'dave', 'bob'])
  })

  it('moves a conversation to the top when it changes', async () => {
    const bridge = createFakeBridge({
      listConversations: () =>
        ok([conversationView({ id: 'dm:alice:bob', peer: 'bob', lastTs: 100 }), conversationView({ id: 'dm:alice:carol', peer: 'carol', lastTs: 200 })]),
    })
    const { conversations } = signedIn(bridge)
    await flushPromises()
    bridge.emit('conversation:changed', {
      conversation: conversationView({ id: 'dm:alice:bob', peer: 'bob', lastTs: 500, unread: 1, lastMessage: textMessage({ ts: 500 }) }),
    })
    expect(conversations.list.map((c) => c.peer)).toEqual(['bob', 'carol'])
    expect(conversations.totalUnread).toBe(1)
  })

  it('selecting marks read (optimistically) and events for the open chat keep it read', async () => {
    const bridge = createFakeBridge({
      listConversations: () => ok([conversationView({ id: 'dm:alice:bob', unread: 3, lastTs: 1 })]),
    })
    const { conversations } = signedIn(bridge)
    await flushPromises()
    conversations.select('dm:alice:bob')
    expect(conversations.active?.unread).toBe(0)
    await flushPromises()
    expect(bridge.callsTo('markRead')).toEqual([{ conversationId: 'dm:alice:bob' }])

    bridge.emit('conversation:changed', { conversation: conversationView({ id: 'dm:alice:bob', unread: 1, lastTs: 2 }) })
    await flushPromises()
    expect(bridge.callsTo('markRead')).toHaveLength(2)
  })

  it('does not mark read a conversation that has nothing unread', async () => {
    const bridge = createFakeBridge({ listConversations: () => ok([conversationView({ unread: 0 })]) })
    const { conversations } = signedIn(bridge)
    await flushPromises()
    conversations.select('dm:alice:bob')
    await flushPromises()
    expect(bridge.callsTo('markRead')).toHaveLength(0)
  })

  it('openDirect adds and selects the conversation, and passes errors back', async () => {
    const { conversations, bridge } = signedIn()
    await flushPromises()
    const result = await conversations.openDirect(' Bob ')
    expect(result.ok).toBe(true)
    expect(bridge.callsTo('openDirect')).toEqual([{ username: 'bob' }])
    expect(conversations.activeId).toBe('dm:alice:bob')

    bridge.handlers.openDirect = () => fail('USER_NOT_FOUND', 'no such user')
    expect(await conversations.openDirect('nobody')).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } })
    expect(conversations.activeId).toBe('dm:alice:bob')
  })

  it('forgets everything on sign-out and reloads after a resync', async () => {
    const bridge = createFakeBridge({ listConversations: () => ok([conversationView()]) })
    const { conversations, session } = signedIn(bridge)
    await flushPromises()
    conversations.select('dm:alice:bob')
    session.user = null
    await flushPromises()
    expect(conversations.list).toEqual([])
    expect(conversations.activeId).toBeNull()

    session.user = 'alice'
    await flushPromises()
    const before = bridge.callsTo('listConversations').length
    session.resyncCount += 1
    await flushPromises()
    expect(bridge.callsTo('listConversations').length).toBe(before + 1)
  })

  it('moves to the next and previous conversation, wrapping around', async () => {
    const bridge = createFakeBridge({
      listConversations: () =>
        ok([conversationView({ id: 'dm:alice:bob', lastTs: 2 }), conversationView({ id: 'dm:alice:carol', peer: 'carol', lastTs: 1 })]),
    })
    const { conversations } = signedIn(bridge)
    await flushPromises()
    conversations.selectRelative(1)
    expect(conversations.activeId).toBe('dm:alice:bob')
    conversations.selectRelative(1)
    expect(conversations.activeId).toBe('dm:alice:carol')
    conversations.selectRelative(1)
    expect(conversations.activeId).toBe('dm:alice:bob')
    conversations.selectRelative(-1)
    expect(conversations.activeId).toBe('dm:alice:carol')
  })

  it('opens the conversation a notification asks for, loading the list if needed', async () => {
    const { conversations, bridge } = signedIn()
    await flushPromises()
    bridge.handlers.listConversations = () => ok([conversationView({ id: 'dm:alice:dave', peer: 'dave' })])
    bridge.emit('ui:open-conversation', { conversationId: 'dm:alice:dave', messageId: null })
    await flushPromises()
    expect(conversations.activeId).toBe('dm:alice:dave')
  })
})
