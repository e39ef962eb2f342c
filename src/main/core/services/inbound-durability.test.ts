import { describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { getConversation, refreshConversationSummary } from '../db/queries/conversations'
import { getMeta } from '../db/queries/meta'
import { cmdEvent, lastAck, messageEvent, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()
async function bob(): Promise<TestCore> {
  const t = await signedInCore('bob')
  cores.push(t)
  return t
}
const conv = directConversationId('alice', 'bob')

describe('inbound events: durability and the unread count', () => {
  it('makes the events durable (a commit that waits for the disk) before acknowledging them', async () => {
    const t = await bob()
    const db = t.core.testing.db
    const durableAtAck: Array<string | null> = []
    const send = t.link.send.bind(t.link)
    t.link.send = (frame) => {
      if (frame.type === 'received') durableAtAck.push(getMeta(db, 'ackedCursor'))
      return send(frame)
    }
    t.link.event(messageEvent('alice', 'bob', 'one'), 4)
    t.link.event(messageEvent('alice', 'bob', 'two'), 5)
    await waitFor(() => lastAck(t) === 5)
    expect(durableAtAck).toEqual(['4', '5'])
    // the connection's setting is back to waiting for the disk for everything else
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
  })

  it('keeps the unread count equal to a full recount through messages, withdraws and reading', async () => {
    const t = await bob()
    const db = t.core.testing.db
    const recount = () => {
      const kept = getConversation(db, conv)!.unread
      db.transaction(() => refreshConversationSummary(db, conv, 'bob'))()
      const counted = getConversation(db, conv)!.unread
      return { kept, counted }
    }
    const first = messageEvent('alice', 'bob', 'first')
    const second = messageEvent('alice', 'bob', 'second')
    t.link.event(first)
    t.link.event(second)
    t.link.event(messageEvent('bob', 'alice', 'mine never counts'))
    expect(recount()).toEqual({ kept: 2, counted: 2 })

    t.link.event(cmdEvent('alice', first))
    expect(recount()).toEqual({ kept: 1, counted: 1 })

    unwrap(await t.core.handlers.markRead({ conversationId: conv }))
    const third = messageEvent('alice', 'bob', 'third')
    t.link.event(third)
    // withdrawing a message that was already read changes nothing
    t.link.event(cmdEvent('alice', second))
    expect(recount()).toEqual({ kept: 1, counted: 1 })

    t.link.event(cmdEvent('alice', third))
    expect(recount()).toEqual({ kept: 0, counted: 0 })
  })
})
