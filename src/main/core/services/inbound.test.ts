import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { databasePath } from '../db/open'
import { getConversation } from '../db/queries/conversations'
import { advanceCursor, getCursor } from '../db/queries/meta'
import { getMessage } from '../db/queries/messages'
import { lastAck, messageEvent, serverTs, unwrap } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
const bob = () => cores.signedIn('bob')

const conv = directConversationId('alice', 'bob')

describe('inbound events', () => {
  it('acknowledges an event only once it is committed', async () => {
    const t = await bob()
    const reader = new BetterSqlite3(databasePath(t.dir), { readonly: true })
    const seenAtAck: Array<boolean> = []
    const send = t.link.send.bind(t.link)
    t.link.send = (frame) => {
      if (frame.type === 'received') {
        // Another connection sees only committed data.
        seenAtAck.push(reader.prepare('SELECT count(*) FROM messages').pluck().get() === 1)
      }
      return send(frame)
    }
    t.link.event(messageEvent('alice', 'bob', 'hi'), 7)
    reader.close()
    expect(t.link.framesOf('received')).toEqual([{ type: 'received', seq: 7 }])
    expect(seenAtAck).toEqual([true])
    expect(getCursor(t.core.testing.db)).toBe(7)
  })

  it('acknowledges what this stream delivered, never a stored cursor from another stream', async () => {
    const t = await bob()
    advanceCursor(t.core.testing.db, 500)
    t.link.event(messageEvent('alice', 'bob', 'first on a new server'), 3)
    await waitFor(() => lastAck(t) === 3)
    expect(getCursor(t.core.testing.db)).toBe(500)
  })

  it('creates the conversation on the first message, counts unread, keeps order', async () => {
    const t = await bob()
    const events = ['one', 'two', 'three'].map((text) => messageEvent('alice', 'bob', text))
    for (const e of events) t.link.event(e)
    const page = unwrap(await t.core.handlers.listMessages({ conversationId: conv }))
    expect(page.map((m) => m.text)).toEqual(['one', 'two', 'three'])
    expect(page.every((m) => !m.mine && m.state === null)).toBe(true)
    const [c] = unwrap(await t.core.handlers.listConversations({}))
    expect(c).toMatchObject({ id: conv, kind: 'direct', peer: 'alice', title: 'alice', unread: 3 })
    expect(c!.lastMessage).toMatchObject({ id: events[2]!.id, text: 'three' })
    expect(t.events.of('message:added')).toHaveLength(3)
    expect(t.events.of('conversation:changed').at(-1)!.conversation.unread).toBe(3)

    unwrap(await t.core.handlers.markRead({ conversationId: conv }))
    expect(getConversation(t.core.testing.db, conv)!.unread).toBe(0)
    expect(t.events.of('conversation:changed').at(-1)!.conversation.unread).toBe(0)
  })

  it('deduplicates by message id (a replay after a lost ack changes nothing)', async () => {
    const t = await bob()
    const e = messageEvent('alice', 'bob', 'once')
    t.link.event(e, 1)
    t.link.event(e, 1)
    t.link.event(e, 2)
    expect(t.events.of('message:added')).toHaveLength(1)
    expect(getConversation(t.core.testing.db, conv)!.unread).toBe(1)
    await waitFor(() => lastAck(t) === 2)
  })

  it('stores my own messages from another device as mine and sent', async () => {
    const t = await bob()
    const e = messageEvent('bob', 'alice', 'from my phone')
    t.link.event(e)
    expect(t.events.of('message:added')[0]!.message).toMatchObject({ id: e.id, mine: true, state: 'sent' })
    expect(getConversation(t.core.testing.db, conv)!.unread).toBe(0)
  })

  it('ignores (but acknowledges) events for conversations I am not in, and messages from non-members', async () => {
    const t = await bob()
    t.link.event(messageEvent('alice', 'carol', 'not for bob'), 1)
    t.link.event(messageEvent('carol', 'dave', 'nope', { conversationId: conv }), 2)
    expect(t.events.of('message:added')).toEqual([])
    await waitFor(() => lastAck(t) === 2)
  })

  it('ignores frames that are not valid protocol, without crashing', async () => {
    const t = await bob()
    t.core.testing.injectServerFrame('not json')
    t.core.testing.injectServerFrame(JSON.stringify({ type: 'event', seq: 1, event: { kind: 'message', id: 'x' } }))
    t.core.testing.injectServerFrame(JSON.stringify({ type: 'mystery' }))
    t.link.event(messageEvent('alice', 'bob', 'still works'))
    expect(t.events.of('message:added')).toHaveLength(1)
  })

  it('stops acknowledging after a failed commit and applies the event again on the replay', async () => {
    const t = await bob()
    const db = t.core.testing.db
    db.exec("CREATE TEMP TRIGGER fail_insert BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    const first = messageEvent('alice', 'bob', 'first')
    const second = messageEvent('alice', 'bob', 'second')
    t.link.event(first, 1)
    expect(t.link.state).toBe('offline')
    expect(t.link.framesOf('received')).toEqual([])
    expect(getCursor(db)).toBe(0)

    // Still the same (dead) stream: nothing past the failed event may be acknowledged.
    t.link.event(second, 2)
    expect(t.link.framesOf('received')).toEqual([])

    db.exec('DROP TRIGGER fail_insert')
    t.link.welcome('bob')
    t.link.event(first, 1)
    t.link.event(second, 2)
    await waitFor(() => lastAck(t) === 2)
    expect(getMessage(db, first.id)).not.toBeNull()
    expect(getMessage(db, second.id)).not.toBeNull()
  })

  it('records the server clock offset and recall windows from the welcome', async () => {
    const t = await bob()
    t.link.welcome('bob', { serverTime: t.clock.now + 5_000, recallWindowSeconds: 60, adminRecallWindowSeconds: 600 })
    const s = unwrap(await t.core.handlers.getSession({}))
    expect(s).toMatchObject({ user: 'bob', connection: 'online', recallWindowSeconds: 60, adminRecallWindowSeconds: 600, serverClockOffsetMs: 5_000 })
    expect(serverTs()).toBeGreaterThan(0)
  })
})
