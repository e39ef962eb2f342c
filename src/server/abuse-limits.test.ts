/**
 * Abuse limits: frame rates per connection and per user, sign-in throttling per username
 * and per address, requests from web pages (Origin), and sockets that never say anything.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { newId } from '../shared/ids'
import { HttpErrorBody, WS_PATH } from '../shared/protocol'
import { CloseCode } from '../shared/protocol'
import { PASSWORD, request, signIn, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

function lookups(client: TestClient, count: number): string[] {
  const ids = Array.from({ length: count }, () => newId())
  for (const id of ids) client.send({ type: 'lookup', id, username: 'nobody' })
  return ids
}

describe('frame rate per user', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      limits: {
        frames: { capacity: 1_000, refillPerSecond: 1_000 },
        framesPerUser: { capacity: 6, refillPerSecond: 0.001 },
      },
    })
  })
  afterAll(() => server.close())

  it('shares one budget between all connections of a user, and leaves other users alone', async () => {
    const account = await signUp(server, 'many_devices')
    const other = await signUp(server, 'bystander')
    // each hello takes one frame of the user's budget: 6 - 2 = 4 left
    const phone = await TestClient.connect(server, account)
    const laptop = await TestClient.connect(server, await signIn(server, 'many_devices'))

    const [p1, p2] = lookups(phone, 2)
    const [l1, l2, l3] = lookups(laptop, 3)
    for (const id of [p1!, p2!, l1!, l2!]) expect(await (id === p1 || id === p2 ? phone : laptop).reply(id)).toMatchObject({ type: 'lookup-result' })
    expect(await laptop.reply(l3!)).toEqual({
      type: 'error',
      id: l3,
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/^too many frames from this account; retry in \d+ ms$/),
    })
    const [p3] = lookups(phone, 1)
    expect(await phone.reply(p3!)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' })

    const bystander = await TestClient.connect(server, other)
    const [b1] = lookups(bystander, 1)
    expect(await bystander.reply(b1!)).toMatchObject({ type: 'lookup-result', found: false })
    await Promise.all([phone.close(), laptop.close(), bystander.close()])
  })
})

describe('frame rate per connection', () => {
  it('names the connection as the reason', async () => {
    const server = await startTestServer({ limits: { frames: { capacity: 2, refillPerSecond: 0.001 } } })
    try {
      const client = await TestClient.connect(server, await signUp(server, 'chatty'))
      const [a, b] = lookups(client, 2)
      expect(await client.reply(a!)).toMatchObject({ type: 'lookup-result' })
      expect(await client.reply(b!)).toMatchObject({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/on this connection/),
      })
      await client.close()
    } finally {
      await server.close()
    }
  })
})

describe('sign-in throttling per address', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      limits: {
        signInPerUsername: { capacity: 100, refillPerSecond: 1 },
        signInPerAddress: { capacity: 3, refillPerSecond: 0.001 },
      },
    })
  })
  afterAll(() => server.close())

  it('answers 429 once one address tried too many accounts, whatever the usernames', async () => {
    const attempt = (username: string) => request(server, 'POST', '/v1/sessions', { username, password: PASSWORD, deviceId: newId() })
    for (const name of ['victim_a', 'victim_b', 'victim_c']) expect((await attempt(name)).status).toBe(401)
    const refused = await attempt('victim_d')
    expect(refused.status).toBe(429)
    expect(HttpErrorBody.parse(refused.body).error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/from this address/),
    })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('requests from web pages', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ allowedOrigins: ['https://parley.example'] })
  })
  afterAll(() => server.close())

  async function post(path: string, body: string, headers: Record<string, string>) {
    const res = await fetch(server.httpUrl + path, { method: 'POST', headers, body })
    return { status: res.status, body: (await res.json()) as unknown }
  }

  function upgrade(origin: string | undefined, token: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(server.url + WS_PATH, {
        headers: { authorization: `Bearer ${token}` },
        ...(origin === undefined ? {} : { origin }),
      })
      ws.on('unexpected-response', (_req, res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      ws.on('open', () => {
        ws.close()
        resolve(101)
      })
      ws.on('error', (err) => {
        if (!/Unexpected server response/.test(err.message)) reject(err)
      })
    })
  }

  it('refuses a sign-up posted by a foreign page (no preflight needed for text/plain) and creates nothing', async () => {
    const body = JSON.stringify({ username: 'csrf_victim', password: PASSWORD, deviceId: newId() })
    for (const origin of ['http://evil.example', 'null']) {
      const res = await post('/v1/accounts', body, { 'content-type': 'text/plain', origin })
      expect(res.status).toBe(403)
      expect(HttpErrorBody.parse(res.body).error.code).toBe('FORBIDDEN')
    }
    expect((await request(server, 'POST', '/v1/accounts', JSON.parse(body))).status).toBe(201)
  })

  it('refuses sign-in and WebSocket upgrades from a foreign origin, lets an allowed one and Node clients through', async () => {
    const account = await signUp(server, 'origin_user')
    const signInBody = JSON.stringify({ username: 'origin_user', password: PASSWORD, deviceId: newId() })
    expect((await post('/v1/sessions', signInBody, { 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403)
    expect((await post('/v1/sessions', signInBody, { 'content-type': 'application/json', origin: 'https://parley.example' })).status).toBe(200)

    expect(await upgrade('http://evil.example', account.token)).toBe(403)
    expect(await upgrade('https://parley.example.evil.example', account.token)).toBe(403)
    expect(await upgrade('https://parley.example', account.token)).toBe(101)
    expect(await upgrade(undefined, account.token)).toBe(101)
  })
})

describe('idle sockets', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ headersTimeoutMs: 300, helloTimeoutMs: 300 })
  })
  afterAll(() => server.close())

  function rawSocket(): Promise<net.Socket> {
    const { port } = new URL(server.httpUrl)
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket))
      socket.on('error', reject)
    })
  }

  function ended(socket: net.Socket): Promise<string> {
    return new Promise((resolve) => {
      let received = ''
      socket.on('data', (chunk) => (received += chunk.toString()))
      socket.on('close', () => resolve(received))
    })
  }

  it('closes a TCP connection that never sends a request, and one that stalls in its headers', async () => {
    const silent = await rawSocket()
    const stalled = await rawSocket()
    stalled.write('GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n')
    const [silentEnd, stalledEnd] = await Promise.all([ended(silent), ended(stalled)])
    expect(silentEnd === '' || /^HTTP\/1\.1 408/.test(silentEnd)).toBe(true)
    expect(stalledEnd === '' || /^HTTP\/1\.1 408/.test(stalledEnd)).toBe(true)
  })

  it('closes an authenticated socket that never says hello (4002)', async () => {
    const client = await TestClient.connect(server, await signUp(server, 'mute'), { hello: false })
    expect((await client.closed).code).toBe(CloseCode.HELLO_TIMEOUT)
  })
})
