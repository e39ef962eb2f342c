import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, WelcomeFrame } from '../shared/protocol'
import { CloseCode } from '../shared/protocol'
import { type Account, signIn, signUp, startTestServer, TestClient, type TestServer, tryUpgrade } from './test-support/harness'

let server: TestServer
let alice: Account
let bob: Account

beforeAll(async () => {
  server = await startTestServer()
  ;[alice, bob] = await Promise.all([signUp(server, 'alice'), signUp(server, 'bob')])
})
afterAll(() => server.close())

describe('upgrade', () => {
  it('refuses an upgrade without a token, with a bad token, or on another path', async () => {
    expect(await tryUpgrade(server, null)).toMatchObject({ status: 401, body: expect.stringContaining('UNAUTHORIZED') })
    expect(await tryUpgrade(server, 'A'.repeat(43))).toMatchObject({ status: 401 })
    expect(await tryUpgrade(server, 'not a token at all')).toMatchObject({ status: 401 })
    expect(await tryUpgrade(server, alice.token, '/v1/other')).toMatchObject({ status: 404 })
  })
})

describe('handshake', () => {
  it('answers hello with welcome', async () => {
    const client = await TestClient.connect(server, alice, { hello: false })
    client.send({ type: 'hello', v: PROTOCOL_VERSION, client: 'test' })
    const welcome = WelcomeFrame.parse(await client.next())
    expect(welcome).toMatchObject({
      v: PROTOCOL_VERSION,
      username: 'alice',
      deviceId: alice.deviceId,
      recallWindowSeconds: 120,
      adminRecallWindowSeconds: 0,
    })
    await client.close()
  })

  it('refuses another version with UNSUPPORTED_VERSION, then closes with 1002', async () => {
    const client = await TestClient.connect(server, alice, { hello: false })
    client.send({ type: 'hello', v: PROTOCOL_VERSION - 1 })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNSUPPORTED_VERSION' })
    expect((await client.closed).code).toBe(CloseCode.PROTOCOL_ERROR)
  })

  it('answers any frame before hello with HELLO_REQUIRED (with its id)', async () => {
    const client = await TestClient.connect(server, alice, { hello: false })
    const id = newId()
    client.send({ type: 'lookup', id, username: 'bob' })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'HELLO_REQUIRED', id })
    client.send({ type: 'hello', v: PROTOCOL_VERSION })
    expect(await client.next()).toMatchObject({ type: 'welcome' })
    await client.close()
  })

  it('closes a socket that never says hello', async () => {
    const quick = await startTestServer({ helloTimeoutMs: 100 })
    try {
      const account = await signUp(quick, 'idle_user')
      const client = await TestClient.connect(quick, account, { hello: false })
      expect((await client.closed).code).toBe(CloseCode.HELLO_TIMEOUT)
    } finally {
      await quick.close()
    }
  })

  it('closes the older connection when the same device connects again (4000)', async () => {
    const older = await TestClient.connect(server, alice)
    const newer = await TestClient.connect(server, alice)
    expect((await older.closed).code).toBe(CloseCode.REPLACED)
    const id = newId()
    newer.send({ type: 'lookup', id, username: 'bob' })
    expect(await newer.reply(id)).toMatchObject({ type: 'lookup-result', found: true })
    await newer.close()
  })
})

describe('bad frames', () => {
  it('answers bad JSON, unknown types, invalid fields and binary frames with BAD_FRAME and keeps going', async () => {
    const client = await TestClient.connect(server, alice)
    client.send('{"type": "send", ')
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', message: 'the frame is not valid JSON' })

    const unknownId = newId()
    client.send({ type: 'teleport', id: unknownId })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', id: unknownId })

    const invalidId = newId()
    client.send({ type: 'send', id: invalidId, conversationId: 'dm:alice:bob', text: '' })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', id: invalidId, message: expect.stringMatching(/^text: /) })

    client.send({ type: 'send', id: 'NOT-A-UUID', conversationId: 'dm:alice:bob', text: 'hi' })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', id: 'NOT-A-UUID' })

    client.send({ type: 'send', id: newId(), conversationId: 'room:42', text: 'hi' })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' })

    client.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', message: expect.stringMatching(/binary/) })

    client.send('null')
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' })

    client.send({ type: 'hello', v: PROTOCOL_VERSION })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', message: expect.stringMatching(/already/) })

    // still in business
    const id = newId()
    client.send({ type: 'lookup', id, username: 'bob' })
    expect(await client.reply(id)).toMatchObject({ type: 'lookup-result', found: true })
    await client.close()
  })

  it('closes an oversized frame with 1009 without disturbing other connections', async () => {
    const offender = await TestClient.connect(server, alice)
    const bystander = await TestClient.connect(server, bob)
    offender.send({ type: 'send', id: newId(), conversationId: 'dm:alice:bob', text: 'x'.repeat(MAX_FRAME_BYTES) })
    expect((await offender.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG)

    const id = newId()
    bystander.send({ type: 'lookup', id, username: 'alice' })
    expect(await bystander.reply(id)).toMatchObject({ type: 'lookup-result', found: true })
    await bystander.close()
  })
})

describe('limits and liveness', () => {
  it('answers frames beyond the per-connection rate with RATE_LIMITED', async () => {
    const strict = await startTestServer({ limits: { frames: { capacity: 3, refillPerSecond: 0.001 } } })
    try {
      const account = await signUp(strict, 'flooder')
      const client = await TestClient.connect(strict, account) // hello is frame 1
      const ids = [newId(), newId(), newId()]
      for (const id of ids) client.send({ type: 'lookup', id, username: 'flooder' })
      expect(await client.reply(ids[0]!)).toMatchObject({ type: 'lookup-result' })
      expect(await client.reply(ids[1]!)).toMatchObject({ type: 'lookup-result' })
      expect(await client.reply(ids[2]!)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' })
      await client.close()
    } finally {
      await strict.close()
    }
  })

  it('terminates a socket that stops answering pings', async () => {
    const beating = await startTestServer({ heartbeatMs: 200 })
    try {
      const account = await signUp(beating, 'sleepy')
      const healthy = await TestClient.connect(beating, await signIn(beating, 'sleepy'))
      const silent = await TestClient.connect(beating, account, { autoPong: false })
      expect((await silent.closed).code).toBe(1006)
      expect(healthy.ws.readyState).toBe(WebSocket.OPEN)
      await healthy.close()
    } finally {
      await beating.close()
    }
  })

  it('closes sockets with 1001 on shutdown', async () => {
    const doomed = await startTestServer()
    const account = await signUp(doomed, 'leaving')
    const client = await TestClient.connect(doomed, account)
    await doomed.close()
    expect((await client.closed).code).toBe(CloseCode.GOING_AWAY)
    expect(await fetch(doomed.httpUrl + '/v1/health').then(() => 'answered', () => 'refused')).toBe('refused')
  })
})
