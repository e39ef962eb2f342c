/**
 * What a connection does with `resync`: a networked bus sends it after a reconnect and on
 * its periodic check, because notices may have been lost. Here a bus that loses notices on
 * purpose makes the loss certain, so only the resync can bring the news.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, directConversationId, PROTOCOL_VERSION } from '../shared/protocol'
import { MemoryBus } from './bus/memory-bus'
import type { BusMessage } from './bus/types'
import { type Account, request, sendText, signIn, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

/** Loses every message of the kinds in `losing`; `resync` reaches the local handlers as from a networked bus. */
class LossyBus extends MemoryBus {
  readonly losing = new Set<BusMessage['kind']>()

  override async publish(username: string, message: BusMessage): Promise<void> {
    if (!this.losing.has(message.kind)) await super.publish(username, message)
  }

  resync(username: string): Promise<void> {
    return super.publish(username, { kind: 'resync' })
  }
}

const bus = new LossyBus()
let server: TestServer
let alice: Account
let bob: Account
const ab = directConversationId('alice', 'bob')

beforeAll(async () => {
  server = await startTestServer({ bus })
  ;[alice, bob] = await Promise.all([signUp(server, 'alice'), signUp(server, 'bob')])
})
afterAll(() => server.close())

describe('resync', () => {
  it('sends what a lost notice announced, from the log, once', async () => {
    const [aliceClient, bobClient] = await Promise.all([TestClient.connect(server, alice), TestClient.connect(server, bob)])
    bus.losing.add('events')
    const first = await sendText(aliceClient, ab, 'lost notice 1')
    const second = await sendText(aliceClient, ab, 'lost notice 2')
    await bobClient.sync()
    expect(bobClient.pending.filter((f) => f.type === 'event')).toEqual([])

    await bus.resync('bob')
    const events = await bobClient.events(2)
    expect(events.map((e) => e.type === 'event' && e.event.kind === 'message' && e.event.id)).toEqual([first.id, second.id])
    // a second resync finds nothing new: nothing is sent twice
    await bus.resync('bob')
    await bobClient.sync()
    expect(bobClient.pending.filter((f) => f.type === 'event')).toEqual([])

    bus.losing.delete('events')
    const third = await sendText(aliceClient, ab, 'live again')
    expect((await bobClient.events(1))[0]).toMatchObject({ event: { id: third.id } })
    await Promise.all([aliceClient.close(), bobClient.close()])
  })

  it('closes a socket whose revocation notice was lost (4001)', async () => {
    const session = await signIn(server, 'alice')
    const client = await TestClient.connect(server, session)
    bus.losing.add('sessions-revoked')
    try {
      expect((await request(server, 'DELETE', '/v1/sessions/current', undefined, session.token)).status).toBe(204)
      await client.sync()
      await bus.resync('alice')
      expect((await client.closed).code).toBe(CloseCode.SESSION_REVOKED)
    } finally {
      bus.losing.delete('sessions-revoked')
    }
  })

  it('leaves a valid session open and a socket that has not said hello unread', async () => {
    const client = await TestClient.connect(server, bob, { hello: false })
    await bus.resync('bob')
    client.send({ type: 'hello', v: PROTOCOL_VERSION })
    await client.next((f) => f.type === 'welcome')
    await client.sync()
    expect(client.pending.filter((f) => f.type === 'error')).toEqual([])
    await client.close()
  })
})
