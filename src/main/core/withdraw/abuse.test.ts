/**
 * Withdraws a receiving device must ignore, beyond the plain cases in
 * receive.test.ts: someone else "withdrawing" my own message on my device, an
 * early withdraw from a non-member, and an early withdraw aimed at a message of another
 * conversation. The server refuses all of these; the device does not rely on that.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../shared/protocol'
import { getMessage } from '../db/queries/messages'
import { getTombstone } from '../db/queries/tombstones'
import { cmdEvent, lastAck, messageEvent, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { waitFor } from '../testing/wait'

const cores: TestCore[] = []
async function device(username: string): Promise<TestCore> {
  const t = await signedInCore(username)
  cores.push(t)
  return t
}
afterEach(async () => {
  for (const t of cores.splice(0)) await t.dispose()
})

describe('withdraw abuse seen by a receiving device', () => {
  it('my peer cannot withdraw my own message on my device', async () => {
    const alice = await device('alice')
    const mine = unwrap(await alice.core.handlers.sendMessage({ conversationId: directConversationId('alice', 'bob'), text: 'I said this' }))
    // my message, echoed from my log, then bob "withdrawing" it
    const echo = messageEvent('alice', 'bob', 'I said this', { id: mine.id })
    alice.link.event(echo)
    const seq = alice.link.event(cmdEvent('bob', echo))
    expect(getMessage(alice.core.testing.db, mine.id)).toMatchObject({ kind: 'text', text: 'I said this' })
    expect(getTombstone(alice.core.testing.db, mine.id)).toBeNull()
    expect(alice.events.of('message:withdrawn')).toEqual([])
    await waitFor(() => lastAck(alice) === seq)
  })

  it('an early withdraw from someone outside the conversation leaves no tombstone and hides nothing', async () => {
    const bob = await device('bob')
    const m = messageEvent('alice', 'bob', 'between alice and bob')
    bob.link.event(cmdEvent('carol', m, { target: { from: 'carol', ts: m.ts } }))
    expect(getTombstone(bob.core.testing.db, m.id)).toBeNull()
    expect(getMessage(bob.core.testing.db, m.id)).toBeNull()
    bob.link.event(m)
    expect(getMessage(bob.core.testing.db, m.id)).toMatchObject({ kind: 'text', text: 'between alice and bob' })
    expect(bob.events.of('message:added')).toHaveLength(1)
  })

  it('an early withdraw naming a message of another conversation does not hide it there', async () => {
    const bob = await device('bob')
    // alice's early cmd in dm:alice:bob names an id that turns out to be carol's message in dm:bob:carol
    const claimed = messageEvent('alice', 'bob', 'what alice claims it was')
    const real = messageEvent('carol', 'bob', 'carol wrote this', { id: claimed.id })
    bob.link.event(cmdEvent('alice', claimed))
    expect(getMessage(bob.core.testing.db, claimed.id)).toMatchObject({ kind: 'notice', conversationId: directConversationId('alice', 'bob') })
    bob.link.event(real)
    expect(getMessage(bob.core.testing.db, real.id)).toMatchObject({
      kind: 'text',
      text: 'carol wrote this',
      conversationId: directConversationId('bob', 'carol'),
    })
    expect(getTombstone(bob.core.testing.db, real.id)).toBeNull()
  })
})
