import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ConnectionState } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import { PROTOCOL_VERSION, WS_PATH, type ServerFrame, type WelcomeFrame } from '../../../shared/protocol'
import { waitFor } from '../testing/wait'
import { UNREAD_HIGH_WATER, wsConnectionFactory, type Connection, type ServerReply } from './connection'

const TOKEN = 'secret-token-'.padEnd(40, 'x')

interface FakeServer {
  url: string
  sockets: WebSocket[]
  received: unknown[][]
  upgrades: Array<{ path: string; auth: string | undefined }>
  refuseWith: number | null
  closes: number[]
  close(): Promise<void>
}

const servers: FakeServer[] = []
const connections: Connection[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) await c.stop()
  for (const s of servers.splice(0)) await s.close()
})

async function fakeServer(): Promise<FakeServer> {
  const http_ = http.createServer()
  const wss = new WebSocketServer({ noServer: true })
  const s: FakeServer = {
    url: '',
    sockets: [],
    received: [],
    upgrades: [],
    refuseWith: null,
    closes: [],
    async close() {
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((r) => wss.close(() => r()))
      await new Promise<void>((r) => http_.close(() => r()))
    },
  }
  http_.on('upgrade', (req, socket, head) => {
    s.upgrades.push({ path: req.url ?? '', auth: req.headers.authorization })
    // The client may reset the connection right after reading a refusal.
    socket.on('error', () => {})
    if (s.refuseWith) {
      socket.end(`HTTP/1.1 ${s.refuseWith} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const index = s.sockets.push(ws) - 1
      s.received[index] = []
      ws.on('message', (data) => s.received[index]!.push(JSON.parse(data.toString())))
      ws.on('close', (code) => s.closes.push(code))
    })
  })
  await new Promise<void>((r) => http_.listen(0, '127.0.0.1', r))
  s.url = `ws://127.0.0.1:${(http_.address() as AddressInfo).port}`
  servers.push(s)
  return s
}

function welcome(): WelcomeFrame {
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    username: 'alice',
    deviceId: newId(),
    serverTime: Date.now(),
    recallWindowSeconds: 120,
    adminRecallWindowSeconds: 0,
  }
}

function connect(url: string) {
  const seen = { states: [] as ConnectionState[], welcomes: 0, frames: [] as ServerReply[], unauthorized: 0 }
  const c = wsConnectionFactory({ serverUrl: url, backoff: { baseMs: 20, capMs: 100 } })({
    onState: (s) => seen.states.push(s),
    onWelcome: () => seen.welcomes++,
    onFrame: (f) => seen.frames.push(f),
    onUnauthorized: (token) => {
      expect(token).toBe(TOKEN)
      seen.unauthorized++
    },
  })
  connections.push(c)
  return { c, seen }
}

describe('connection', () => {
  it('authenticates on upgrade, says hello, is online after the welcome', async () => {
    const s = await fakeServer()
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.received[0]?.length)
    expect(s.upgrades).toEqual([{ path: WS_PATH, auth: `Bearer ${TOKEN}` }])
    expect(s.received[0]).toEqual([{ type: 'hello', v: PROTOCOL_VERSION, client: 'parley-desktop' }])
    expect(c.state).toBe('connecting')
    expect(c.send({ type: 'received', seq: 1 })).toBe(false)

    s.sockets[0]!.send(JSON.stringify(welcome()))
    await waitFor(() => c.ready)
    expect(seen.welcomes).toBe(1)
    expect(seen.states).toEqual(['connecting', 'online'])
    expect(c.send({ type: 'received', seq: 1 })).toBe(true)
    await waitFor(() => s.received[0]!.length === 2)
  })

  it('ignores frames that are not valid protocol and keeps going', async () => {
    const s = await fakeServer()
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    const ws = s.sockets[0]!
    ws.send(JSON.stringify(welcome()))
    ws.send('{{{ not json')
    ws.send(JSON.stringify({ type: 'ack', id: 'not-a-uuid', ts: 1 }))
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    const good: ServerFrame = { type: 'ack', id: newId(), ts: 5 }
    ws.send(JSON.stringify(good))
    await waitFor(() => seen.frames.length === 1)
    expect(seen.frames).toEqual([good])
    expect(c.ready).toBe(true)
  })

  it('hands a replay of thousands of frames over in order, in slices, pausing the socket meanwhile', async () => {
    const s = await fakeServer()
    const batches: ServerReply[][] = []
    const c = wsConnectionFactory({ serverUrl: s.url })({
      onState: () => {},
      onWelcome: () => {},
      onFrame: () => expect.fail('frames from the socket come through onFrames'),
      onFrames: (frames) => batches.push(frames),
      onUnauthorized: () => {},
    })
    connections.push(c)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    const ws = s.sockets[0]!
    const sent = Array.from({ length: UNREAD_HIGH_WATER * 12 }, (_, i): ServerFrame => ({ type: 'ack', id: newId(), ts: i + 1 }))
    ws.send(JSON.stringify(welcome()))
    for (const f of sent) ws.send(JSON.stringify(f))
    await waitFor(() => batches.flat().length === sent.length, { what: 'every frame' })
    expect(batches.flat()).toEqual(sent)
    expect(batches.length).toBeGreaterThan(1)
    expect(c.ready).toBe(true)
    // still reading after the pauses
    const later: ServerFrame = { type: 'ack', id: newId(), ts: sent.length + 1 }
    ws.send(JSON.stringify(later))
    await waitFor(() => batches.flat().length === sent.length + 1)
    expect(batches.flat().at(-1)).toEqual(later)
  })

  it('reconnects with backoff after the server drops it, and says hello again', async () => {
    const s = await fakeServer()
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    s.sockets[0]!.send(JSON.stringify(welcome()))
    await waitFor(() => c.ready)
    s.sockets[0]!.terminate()
    await waitFor(() => s.received[1]?.length)
    expect(s.received[1]).toEqual([expect.objectContaining({ type: 'hello' })])
    expect(seen.states).toContain('offline')
    expect(c.ready).toBe(false)
  })

  it('keeps retrying while the server is down', async () => {
    const s = await fakeServer()
    const url = s.url
    await s.close()
    servers.pop()
    const { c, seen } = connect(url)
    c.start(TOKEN)
    await waitFor(() => seen.states.filter((x) => x === 'connecting').length >= 3)
    expect(c.state === 'offline' || c.state === 'connecting').toBe(true)
  })

  it('a 401 at upgrade ends the session: no reconnect', async () => {
    const s = await fakeServer()
    s.refuseWith = 401
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => seen.unauthorized)
    expect(c.state).toBe('offline')
    const upgrades = s.upgrades.length
    await new Promise((r) => setImmediate(r))
    expect(s.upgrades.length).toBe(upgrades)
  })

  it('a session revoked on an open socket (4001) ends the session', async () => {
    const s = await fakeServer()
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    s.sockets[0]!.close(4001, 'session revoked')
    await waitFor(() => seen.unauthorized)
    expect(c.state).toBe('offline')
  })

  it.each([
    [4000, 'replaced by another connection of this device'],
    [1002, 'unsupported protocol version'],
  ])('stays disconnected after close code %i (%s)', async (code) => {
    const s = await fakeServer()
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    s.sockets[0]!.close(code, 'bye')
    await waitFor(() => c.state === 'offline')
    expect(seen.unauthorized).toBe(0)
    expect(s.upgrades).toHaveLength(1)
  })

  it('another refusal at upgrade is retried', async () => {
    const s = await fakeServer()
    s.refuseWith = 503
    const { c, seen } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.upgrades.length >= 2)
    expect(seen.unauthorized).toBe(0)
  })

  it('drops a frame larger than the protocol allows and reconnects', async () => {
    const s = await fakeServer()
    const { c } = connect(s.url)
    c.start(TOKEN)
    await waitFor(() => s.sockets[0])
    s.sockets[0]!.send('x'.repeat(70 * 1024))
    await waitFor(() => s.closes.length)
    expect(s.closes[0]).toBe(1009)
    await waitFor(() => s.sockets.length >= 2)
  })

  it('stops with a normal close', async () => {
    const s = await fakeServer()
    const { c } = connect(s.url)
    c.start(TOKEN)
    // Open on the client's side too (its hello arrived): a socket still connecting is just dropped.
    await waitFor(() => s.received[0]?.length)
    await c.stop()
    await waitFor(() => s.closes.length)
    expect(s.closes).toEqual([1000])
    expect(c.state).toBe('offline')
  })
})
