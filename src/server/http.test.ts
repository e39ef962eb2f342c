import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { HttpErrorBody, SessionResponse } from '../shared/protocol'
import { CloseCode } from '../shared/protocol'
import { type Account, PASSWORD, request, signIn, signUp, startTestServer, TestClient, type TestServer, tryUpgrade } from './test-support/harness'

let server: TestServer
let alice: Account

beforeAll(async () => {
  server = await startTestServer()
  alice = await signUp(server, 'alice')
})
afterAll(() => server.close())

function errorCode(body: unknown): string {
  return HttpErrorBody.parse(body).error.code
}

describe('accounts', () => {
  it('sign-up answers 201 with an opaque token', async () => {
    const res = await request(server, 'POST', '/v1/accounts', { username: 'bob_1', password: PASSWORD, deviceId: newId() })
    expect(res.status).toBe(201)
    const session = SessionResponse.parse(res.body)
    expect(session.username).toBe('bob_1')
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('refuses a taken username with 409', async () => {
    const res = await request(server, 'POST', '/v1/accounts', { username: 'alice', password: PASSWORD, deviceId: newId() })
    expect(res.status).toBe(409)
    expect(errorCode(res.body)).toBe('USERNAME_TAKEN')
  })

  it('signs in with the right password and refuses a wrong one or an unknown user alike', async () => {
    const ok = await request(server, 'POST', '/v1/sessions', { username: 'alice', password: PASSWORD, deviceId: newId() })
    expect(ok.status).toBe(200)
    expect(SessionResponse.parse(ok.body).username).toBe('alice')

    const wrong = await request(server, 'POST', '/v1/sessions', { username: 'alice', password: 'not the password', deviceId: newId() })
    const unknown = await request(server, 'POST', '/v1/sessions', { username: 'nobody', password: PASSWORD, deviceId: newId() })
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(HttpErrorBody.parse(res.body).error).toEqual({ code: 'BAD_CREDENTIALS', message: 'wrong username or password' })
    }
  })

  it('answers 400 for bodies that are not credentials', async () => {
    const cases: unknown[] = [
      '{not json',
      { username: 'Alice!', password: PASSWORD, deviceId: newId() },
      { username: 'carol', password: 'short', deviceId: newId() },
      { username: 'carol', password: PASSWORD, deviceId: 'not-a-uuid' },
      [],
    ]
    for (const body of cases) {
      const res = await request(server, 'POST', '/v1/accounts', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(errorCode(res.body)).toBe('BAD_REQUEST')
    }
    const weak = await request(server, 'POST', '/v1/accounts', { username: 'carol', password: 'short', deviceId: newId() })
    expect(HttpErrorBody.parse(weak.body).error.message).toMatch(/^password: /)
  })

  it('refuses bodies over 16 KiB', async () => {
    const res = await request(server, 'POST', '/v1/sessions', { username: 'alice', password: 'x'.repeat(17 * 1024), deviceId: newId() })
    expect(res.status).toBe(413)
    expect(errorCode(res.body)).toBe('BAD_REQUEST')
  })

  it('answers 404 JSON for anything else, and health', async () => {
    const missing = await request(server, 'GET', '/v1/nothing')
    expect(missing.status).toBe(404)
    expect(errorCode(missing.body)).toBe('NOT_FOUND')
    const wrongMethod = await request(server, 'GET', '/v1/accounts')
    expect(wrongMethod.status).toBe(404)
    const health = await request(server, 'GET', '/v1/health')
    expect(health).toMatchObject({ status: 200, body: { ok: true } })
  })

  it('needs a valid bearer token to sign out', async () => {
    const res = await request(server, 'DELETE', '/v1/sessions/current', undefined, 'A'.repeat(43))
    expect(res.status).toBe(401)
    expect(errorCode(res.body)).toBe('UNAUTHORIZED')
  })
})

describe('sessions', () => {
  it('sign-out revokes the token and closes its sockets with 4001', async () => {
    const session = await signIn(server, 'alice')
    const client = await TestClient.connect(server, session)
    const res = await request(server, 'DELETE', '/v1/sessions/current', undefined, session.token)
    expect(res.status).toBe(204)
    expect((await client.closed).code).toBe(CloseCode.SESSION_REVOKED)
    expect(await tryUpgrade(server, session.token)).toMatchObject({ status: 401 })
    // other sessions of the same user are untouched
    expect(await tryUpgrade(server, alice.token)).toHaveProperty('socket')
  })

  it('sign-out everywhere revokes every session of the user', async () => {
    const first = await signUp(server, 'dave')
    const second = await signIn(server, 'dave')
    const clients = await Promise.all([TestClient.connect(server, first), TestClient.connect(server, second)])
    const res = await request(server, 'DELETE', '/v1/sessions', undefined, second.token)
    expect(res.status).toBe(204)
    for (const client of clients) expect((await client.closed).code).toBe(CloseCode.SESSION_REVOKED)
    for (const { token } of [first, second]) expect(await tryUpgrade(server, token)).toMatchObject({ status: 401 })
  })

  it('signing in again on a device retires that device’s previous token', async () => {
    const deviceId = newId()
    const before = await signIn(server, 'alice', deviceId)
    const client = await TestClient.connect(server, before)
    const after = await signIn(server, 'alice', deviceId)
    expect((await client.closed).code).toBe(CloseCode.SESSION_REVOKED)
    expect(await tryUpgrade(server, before.token)).toMatchObject({ status: 401 })
    expect(await tryUpgrade(server, after.token)).toHaveProperty('socket')
  })
})

describe('sign-in throttling', () => {
  let limited: TestServer
  beforeAll(async () => {
    limited = await startTestServer({
      limits: {
        signInPerUsername: { capacity: 2, refillPerSecond: 0.001 },
        signInPerAddress: { capacity: 100, refillPerSecond: 1 },
      },
    })
  })
  afterAll(() => limited.close())

  it('answers 429 RATE_LIMITED with Retry-After once the bucket is empty', async () => {
    const attempt = () =>
      request(limited, 'POST', '/v1/sessions', { username: 'mallory', password: 'guess-guess', deviceId: newId() })
    expect((await attempt()).status).toBe(401)
    expect((await attempt()).status).toBe(401)
    const third = await attempt()
    expect(third.status).toBe(429)
    expect(HttpErrorBody.parse(third.body).error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/too many sign-in attempts for this account; try again in \d+ s/),
    })
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
