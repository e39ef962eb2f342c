/**
 * Test support for the server suites: a real server in-process on port 0 with its own
 * temporary data directory, HTTP helpers and a raw WebSocket client that records frames.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { WebSocket } from 'ws'
import { newId } from '../../shared/ids'
import { type ServerFrame, WS_PATH, PROTOCOL_VERSION } from '../../shared/protocol'
import { type ServerOptions, startServer } from '../server'

export const PASSWORD = 'correct horse battery'

/** A wall clock the test moves by hand. */
export class FakeClock {
  constructor(public time = Date.now()) {}
  readonly now = (): number => this.time
  advance(ms: number): void {
    this.time += ms
  }
}

export interface TestServer {
  url: string
  httpUrl: string
  dataDir: string
  close(): Promise<void>
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-server-test-'))
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    recallWindowSeconds: 120,
    adminRecallWindowSeconds: 0,
    ...options,
  })
  return {
    url: server.url,
    httpUrl: server.url.replace(/^ws/, 'http'),
    dataDir,
    async close() {
      await server.close()
      await fs.rm(dataDir, { recursive: true, force: true })
    },
  }
}

export interface HttpAnswer {
  status: number
  headers: Headers
  body: unknown
}

export async function request(
  server: TestServer,
  method: string,
  pathname: string,
  body?: unknown,
  token?: string,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(server.httpUrl + pathname, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
}

export interface Account {
  username: string
  token: string
  deviceId: string
}

export async function signUp(server: TestServer, username: string, deviceId = newId()): Promise<Account> {
  const res = await request(server, 'POST', '/v1/accounts', { username, password: PASSWORD, deviceId })
  if (res.status !== 201) throw new Error(`sign-up of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { username, deviceId, token: (res.body as { token: string }).token }
}

export async function signIn(server: TestServer, username: string, deviceId = newId()): Promise<Account> {
  const res = await request(server, 'POST', '/v1/sessions', { username, password: PASSWORD, deviceId })
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { username, deviceId, token: (res.body as { token: string }).token }
}

/** Opens a WebSocket; resolves with the HTTP status when the upgrade is refused. */
export function tryUpgrade(
  server: TestServer,
  token: string | null,
  pathname = WS_PATH,
): Promise<{ status: number; body: string } | { socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url + pathname, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.on('open', () => resolve({ socket: ws }))
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err)
    })
  })
}

type Predicate = (frame: ServerFrame) => boolean

/** A raw protocol client: sends whatever it is told, records every frame and the close. */
export class TestClient {
  readonly closed: Promise<{ code: number; reason: string }>
  private readonly inbox: ServerFrame[] = []
  private readonly waiters: { predicate: Predicate; resolve: (f: ServerFrame) => void }[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.deliver(JSON.parse(data.toString()) as ServerFrame))
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
    ws.on('error', () => {})
  }

  static async connect(
    server: TestServer,
    account: Pick<Account, 'token'>,
    options: { hello?: boolean; autoPong?: boolean } = {},
  ): Promise<TestClient> {
    const ws = new WebSocket(server.url + WS_PATH, {
      headers: { authorization: `Bearer ${account.token}` },
      autoPong: options.autoPong ?? true,
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const client = new TestClient(ws)
    if (options.hello ?? true) {
      client.send({ type: 'hello', v: PROTOCOL_VERSION })
      await client.next((f) => f.type === 'welcome')
    }
    return client
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first not yet consumed frame matching `predicate` (now or when it arrives). */
  next(predicate: Predicate = () => true, timeoutMs = 4_000): Promise<ServerFrame> {
    const index = this.inbox.findIndex(predicate)
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]!)
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(new Error(`no matching frame within ${timeoutMs} ms; unconsumed: ${JSON.stringify(this.inbox)}`))
      }, timeoutMs)
      waiter.resolve = (frame) => {
        clearTimeout(timer)
        resolve(frame)
      }
      this.waiters.push(waiter)
    })
  }

  /** The reply (ack or error) to the request with this id. */
  reply(id: string, timeoutMs?: number): Promise<ServerFrame> {
    return this.next((f) => (f.type === 'ack' || f.type === 'error' || f.type === 'lookup-result') && f.id === id, timeoutMs)
  }

  /** Event frames, in arrival order, until `count` were received. */
  async events(count: number): Promise<Extract<ServerFrame, { type: 'event' }>[]> {
    const out: Extract<ServerFrame, { type: 'event' }>[] = []
    while (out.length < count) out.push((await this.next((f) => f.type === 'event')) as Extract<ServerFrame, { type: 'event' }>)
    return out
  }

  /** Resolves once the server handled every frame sent before (frames of a connection are handled in order). */
  async sync(): Promise<void> {
    const id = newId()
    this.send({ type: 'lookup', id, username: 'sync' })
    await this.reply(id)
  }

  /** Frames received and not consumed yet. */
  get pending(): readonly ServerFrame[] {
    return this.inbox
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close()
    return this.closed
  }

  private deliver(frame: ServerFrame): void {
    const waiter = this.waiters.find((w) => w.predicate(frame))
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      waiter.resolve(frame)
    } else {
      this.inbox.push(frame)
    }
  }
}

/** Sends a message and returns its ack. */
export async function sendText(
  client: TestClient,
  conversationId: string,
  text: string,
  id = newId(),
): Promise<{ id: string; reply: ServerFrame }> {
  client.send({ type: 'send', id, conversationId, text })
  return { id, reply: await client.reply(id) }
}

/** Polls a condition (for effects with no event to wait on, such as a file on disk). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
