/**
 * Two server nodes in this process, each with its own PostgreSQL store (pool, shared
 * throttle) on one real PostgreSQL and its own connection to one real nats-server: what a
 * cluster promises beyond a single node, at the protocol level. The client-level cluster
 * test (test/integration/cluster.test.ts) runs the nodes as processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNats, type NatsServer } from '../../test/helpers/engines/nats'
import { startPostgres, type PostgresInstance } from '../../test/helpers/engines/postgres'
import { newId } from '../shared/ids'
import { CloseCode, directConversationId } from '../shared/protocol'
import { NatsBus } from './bus/nats-bus'
import { PostgresStore } from './store/postgres/postgres-store'
import { type Account, PASSWORD, request, sendText, signIn, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

let nats: NatsServer
let postgres: PostgresInstance
let one: TestServer
let two: TestServer
let alice: Account
let bob: Account

beforeAll(async () => {
  ;[nats, postgres] = await Promise.all([startNats(), startPostgres()])
  const databaseUrl = await postgres.createDatabase()
  const subjectPrefix = `cluster${newId().replaceAll('-', '')}`
  // each node as the CLI opens it: its own store (whose throttle every node shares) and bus
  const node = async () =>
    startTestServer({
      store: await PostgresStore.open(databaseUrl, { maxConnections: 4 }),
      bus: await NatsBus.connect(nats.url, { subjectPrefix, checkIntervalMs: 0 }),
      limits: { signInPerUsername: { capacity: 3, refillPerSecond: 1 / 3600 } },
    })
  ;[one, two] = await Promise.all([node(), node()])
  ;[alice, bob] = await Promise.all([signUp(one, 'alice'), signUp(two, 'bob')])
})
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()])
  await Promise.all([nats?.stop(), postgres?.stop()])
})

describe('two nodes over NATS', () => {
  it('delivers a message sent on node 1 live to its recipient on node 2', async () => {
    const [aliceOnOne, bobOnTwo] = await Promise.all([TestClient.connect(one, alice), TestClient.connect(two, bob)])
    const { id, reply } = await sendText(aliceOnOne, directConversationId('alice', 'bob'), 'across nodes')
    expect(reply).toMatchObject({ type: 'ack', id })
    expect((await bobOnTwo.events(1))[0]).toMatchObject({ event: { kind: 'message', id, from: 'alice' } })
    await Promise.all([aliceOnOne.close(), bobOnTwo.close()])
  })

  it('closes a device’s connection on node 1 when the device connects on node 2 (4000)', async () => {
    const older = await TestClient.connect(one, alice)
    const newer = await TestClient.connect(two, alice)
    expect((await older.closed).code).toBe(CloseCode.REPLACED)
    await newer.sync()
    await newer.close()
  })

  it('closes the old session’s socket on node 1 when its device signs in again on node 2 (4001)', async () => {
    const deviceId = newId()
    const before = await signIn(one, 'bob', deviceId)
    const client = await TestClient.connect(one, before)
    await signIn(two, 'bob', deviceId)
    expect((await client.closed).code).toBe(CloseCode.SESSION_REVOKED)
  })

  it('closes the session’s sockets on every node when it signs out on one', async () => {
    const session = await signIn(two, 'alice')
    const [onOne, onTwo] = await Promise.all([TestClient.connect(one, session), TestClient.connect(two, session, { hello: false })])
    expect((await request(two, 'DELETE', '/v1/sessions/current', undefined, session.token)).status).toBe(204)
    expect((await onOne.closed).code).toBe(CloseCode.SESSION_REVOKED)
    expect((await onTwo.closed).code).toBe(CloseCode.SESSION_REVOKED)
  })

  it('holds sign-in throttles for the cluster, not per node', async () => {
    await signUp(one, 'carol')
    const attempt = (node: TestServer) =>
      request(node, 'POST', '/v1/sessions', { username: 'carol', password: `${PASSWORD}!`, deviceId: newId() })
    // the sign-up took no sign-in token: three wrong guesses are answered, spread over both nodes
    expect((await attempt(one)).status).toBe(401)
    expect((await attempt(two)).status).toBe(401)
    expect((await attempt(one)).status).toBe(401)
    const limited = await attempt(two)
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({ error: { code: 'RATE_LIMITED' } })
  })

  it('delivers what was sent while nats-server restarted', async () => {
    const bobOnTwo = await TestClient.connect(two, bob)
    const aliceOnOne = await TestClient.connect(one, alice)
    await nats.restart()
    // sent while the nodes may still be reconnecting: either the notice or the resync after it brings it
    const { id } = await sendText(aliceOnOne, directConversationId('alice', 'bob'), 'during the outage')
    const events = await bobOnTwo.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id, 10_000)
    expect(events).toMatchObject({ type: 'event' })
    await Promise.all([aliceOnOne.close(), bobOnTwo.close()])
  })
})
