import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { newId } from '../../../shared/ids'
import { httpAuthClient, httpBase } from './auth-client'

let server: http.Server | null = null
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = null
})

type Reply = { status: number; body?: unknown }
async function serve(route: (req: http.IncomingMessage, body: string) => Reply): Promise<string> {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const r = route(req, body)
      res.writeHead(r.status, { 'content-type': 'application/json' })
      res.end(r.body === undefined ? undefined : JSON.stringify(r.body))
    })
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return `ws://127.0.0.1:${(server!.address() as AddressInfo).port}`
}

const creds = { username: 'alice', password: 'long enough', deviceId: newId() }
const token = 'k'.repeat(43)

describe('auth client', () => {
  it('derives the http base from the ws url', () => {
    expect(httpBase('ws://127.0.0.1:7800')).toBe('http://127.0.0.1:7800')
    expect(httpBase('wss://chat.example.org/')).toBe('https://chat.example.org')
  })

  it('signs up, signs in and signs out against the documented endpoints', async () => {
    const seen: string[] = []
    const url = await serve((req, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
      if (req.method === 'POST') {
        expect(JSON.parse(body)).toEqual(creds)
        return { status: req.url === '/v1/accounts' ? 201 : 200, body: { token, username: 'alice' } }
      }
      return { status: 204 }
    })
    const auth = httpAuthClient(url)
    expect(await auth.signUp(creds)).toEqual({ ok: true, value: { token, username: 'alice' } })
    expect(await auth.signIn(creds)).toEqual({ ok: true, value: { token, username: 'alice' } })
    expect(await auth.signOut(token)).toEqual({ ok: true, value: null })
    expect(seen).toEqual(['POST /v1/accounts ', 'POST /v1/sessions ', `DELETE /v1/sessions/current Bearer ${token}`])
  })

  it.each([
    [401, 'BAD_CREDENTIALS', 'BAD_CREDENTIALS'],
    [409, 'USERNAME_TAKEN', 'USERNAME_TAKEN'],
    [429, 'RATE_LIMITED', 'RATE_LIMITED'],
    [400, 'BAD_REQUEST', 'INVALID_ARGUMENT'],
    [500, 'INTERNAL', 'INTERNAL'],
  ])('maps HTTP %i %s to %s', async (status, code, expected) => {
    const url = await serve(() => ({ status, body: { error: { code, message: 'nope' } } }))
    expect(await httpAuthClient(url).signIn(creds)).toEqual({ ok: false, error: { code: expected, message: 'nope' } })
  })

  it('maps a bare status without a body', async () => {
    const url = await serve(() => ({ status: 409 }))
    expect(await httpAuthClient(url).signUp(creds)).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } })
  })

  it('reports a refused connection as SERVER_UNREACHABLE', async () => {
    const url = await serve(() => ({ status: 200 }))
    await new Promise<void>((r) => server!.close(() => r()))
    server = null
    expect(await httpAuthClient(url).signIn(creds)).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
    expect(await httpAuthClient(url).signOut(token)).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
  })

  it('signs out everywhere with DELETE /v1/sessions; a dead token counts as done', async () => {
    const seen: string[] = []
    let status = 204
    const url = await serve((req) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
      return { status }
    })
    expect(await httpAuthClient(url).signOutEverywhere(token)).toEqual({ ok: true, value: null })
    expect(seen).toEqual([`DELETE /v1/sessions Bearer ${token}`])
    status = 401
    expect(await httpAuthClient(url).signOutEverywhere(token)).toEqual({ ok: true, value: null })
    status = 500
    expect(await httpAuthClient(url).signOutEverywhere(token)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })

  it('rejects a malformed success body', async () => {
    const url = await serve(() => ({ status: 200, body: { token: 'short' } }))
    expect(await httpAuthClient(url).signIn(creds)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })
})
