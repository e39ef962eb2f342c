import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { fail, ok, type Result } from '../../shared/bridge'
import { startWebHost, type WebHost } from './host'

let dir: string
let host: WebHost
const calls: Array<{ name: string; args: unknown }> = []

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parley-host-'))
  const staticDir = path.join(dir, 'renderer')
  mkdirSync(path.join(staticDir, 'assets'), { recursive: true })
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Parley</title>')
  writeFileSync(path.join(staticDir, 'assets', 'index-abc.js'), 'export {}')
  writeFileSync(path.join(dir, 'secret.txt'), 'not for the web')
  host = await startWebHost({
    staticDir,
    host: '127.0.0.1',
    port: 0,
    dispatch: async (name, args): Promise<Result<unknown>> => {
      calls.push({ name, args })
      return name === 'getSession' ? ok({ user: null }) : fail('NOT_SIGNED_IN', 'sign in first')
    },
  })
})
afterAll(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

function get(pathname: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: pathname, method, headers: { host: `127.0.0.1:${host.port}`, ...headers } },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
function tryBridge(opts: { token?: string; origin?: string; path?: string }) {
  const query = opts.token === undefined ? '' : `?token=${encodeURIComponent(opts.token)}`
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${opts.path ?? '/bridge'}${query}`, {
    ...(opts.origin === undefined ? {} : { origin: opts.origin }),
  })
  return new Promise<{ status: number; ws: WebSocket }>((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, ws }))
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }))
    ws.once('error', reject)
  })
}

async function openPage(): Promise<WebSocket> {
  const { status, ws } = await tryBridge({ token: host.token, origin: host.origin })
  expect(status).toBe(101)
  return ws
}

function nextFrame(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)))
}

describe('static files', () => {
  it('serves the page with a CSP, nosniff and no caching', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`)
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('serves assets with their content type', async () => {
    const res = await get('/assets/index-abc.js')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
  })

  it('does not serve files outside its directory', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await get(p)
      expect(res.status, p).toBe(404)
      expect(res.body).not.toContain('not for the web')
    }
  })

  it('answers only for its own host name (DNS rebinding) and only GET/HEAD', async () => {
    expect((await get('/', { host: `evil.example:${host.port}` })).status).toBe(421)
    expect((await get('/', {}, 'POST')).status).toBe(405)
    expect((await get('/', {}, 'HEAD')).status).toBe(200)
  })
})

describe('bridge socket', () => {
  it('refuses a missing or wrong token and a foreign or missing Origin', async () => {
    expect((await tryBridge({ origin: host.origin })).status).toBe(403)
    expect((await tryBridge({ token: 'x'.repeat(43), origin: host.origin })).status).toBe(403)
    expect((await tryBridge({ token: host.token, origin: 'http://evil.example' })).status).toBe(403)
    expect((await tryBridge({ token: host.token, origin: `http://localhost:${host.port}` })).status).toBe(403)
    expect((await tryBridge({ token: host.token })).status).toBe(403)
    expect((await tryBridge({ token: host.token, origin: host.origin, path: '/other' })).status).toBe(404)
  })

  it('has a 32-byte random token in the page URL', () => {
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32)
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
  })

  it('dispatches invokes and answers with their id', async () => {
    const ws = await openPage()
    const answer = nextFrame(ws)
    ws.send(JSON.stringify({ t: 'invoke', id: 7, name: 'getSession', args: {} }))
    expect(await answer).toEqual({ t: 'result', id: 7, result: { ok: true, value: { user: null } } })
    expect(calls.at(-1)).toEqual({ name: 'getSession', args: {} })
    ws.close()
  })

  it('answers a malformed invoke with INVALID_ARGUMENT and closes on garbage', async () => {
    const ws = await openPage()
    const answer = nextFrame(ws)
    ws.send(JSON.stringify({ t: 'invoke', id: 3, name: 42 }))
    expect(await answer).toMatchObject({ t: 'result', id: 3, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('not json')
    expect(await closed).toBe(1007)
  })

  it('fans events out to every connected page', async () => {
    const [a, b] = [await openPage(), await openPage()]
    const frames = [nextFrame(a), nextFrame(b)]
    host.broadcast('session:changed', { user: 'alice' })
    for (const frame of await Promise.all(frames)) {
      expect(frame).toEqual({ t: 'event', name: 'session:changed', payload: { user: 'alice' } })
    }
    a.close()
    b.close()
  })
})
