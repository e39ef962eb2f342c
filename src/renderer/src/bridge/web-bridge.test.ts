// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { textMessage } from '../testing/fake-bridge'
import type { LinkStatus } from './link'
import { TOKEN_STORAGE_KEY, bridgeSocketUrl, createWebBridge, takeToken, type SocketLike } from './web-bridge'

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: unknown[] = []
  closed = false
  onopen: ((ev: Event) => void) | null = null
  onclose: ((ev: CloseEvent) => void) | null = null
  onerror: ((ev: Event) => void) | null = null
  onmessage: ((ev: MessageEvent) => void) | null = null
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data))
  }
  close(): void {
    this.closed = true
  }
  // --- driven by the test
  open(): void {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }
  drop(): void {
    this.readyState = 3
    this.onerror?.(new Event('error'))
    this.onclose?.(new Event('close') as CloseEvent)
  }
  receive(frame: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) }))
  }
  lastInvoke(): { t: string; id: number; name: string; args: unknown } {
    return this.sent.at(-1) as { t: string; id: number; name: string; args: unknown }
  }
}

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    data,
  }
}

function setup(opts: { url?: string; storage?: ReturnType<typeof memoryStorage> } = {}) {
  const storage = opts.storage ?? memoryStorage()
  const history = { state: null, replaceState: vi.fn() }
  const links: LinkStatus[] = []
  const bridge = createWebBridge({
    pageUrl: opts.url ?? 'http://127.0.0.1:5173/?token=secret-token',
    history,
    storage,
    connect: (url) => new FakeSocket(url),
    backoff: { baseMs: 100, capMs: 1000 },
    invokeTimeoutMs: 5_000,
    random: () => 0.5,
  })
  bridge.onLink((s) => links.push(s))
  return { bridge, storage, history, links, socket: () => FakeSocket.all.at(-1)! }
}

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('token handling', () => {
  it('takes the token from the address, keeps it in storage and strips it from the address bar', () => {
    const storage = memoryStorage()
    const history = { state: { a: 1 }, replaceState: vi.fn() }
    const token = takeToken('http://127.0.0.1:9000/?token=abc&x=1#top', history, storage)
    expect(token).toBe('abc')
    expect(storage.data.get(TOKEN_STORAGE_KEY)).toBe('abc')
    expect(history.replaceState).toHaveBeenCalledWith({ a: 1 }, '', '/?x=1#top')
  })

  it('falls back to the stored token after a reload', () => {
    const storage = memoryStorage({ [TOKEN_STORAGE_KEY]: 'kept' })
    const history = { state: null, replaceState: vi.fn() }
    expect(takeToken('http://127.0.0.1:9000/', history, storage)).toBe('kept')
    expect(history.replaceState).not.toHaveBeenCalled()
  })

  it('builds the bridge socket address on the page origin', () => {
    expect(bridgeSocketUrl('http://127.0.0.1:9000/some/page?q=1', 'a b')).toBe('ws://127.0.0.1:9000/bridge?token=a+b')
    expect(bridgeSocketUrl('https://example.test/', 't')).toBe('wss://example.test/bridge?token=t')
  })

  it('without any token the link is down and invokes fail at once', async () => {
    const { bridge } = setup({ url: 'http://127.0.0.1:9000/' })
    expect(bridge.link).toEqual({ state: 'down', attempt: 0, problem: 'NO_TOKEN' })
    expect(FakeSocket.all).toHaveLength(0)
    const result = await bridge.getSession({})
    expect(result).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
  })
})

describe('invokes', () => {
  it('queues invokes until the socket opens, then resolves them by id', async () => {
    const { bridge, socket } = setup()
    expect(socket().url).toBe('ws://127.0.0.1:5173/bridge?token=secret-token')
    const first = bridge.listConversations({})
    const second = bridge.markRead({ conversationId: 'dm:alice:bob' })
    expect(socket().sent).toHaveLength(0)
    socket().open()
    expect(socket().sent).toEqual([
      { t: 'invoke', id: 1, name: 'listConversations', args: {} },
      { t: 'invoke', id: 2, name: 'markRead', args: { conversationId: 'dm:alice:bob' } },
    ])
    // Answers may come in any order.
    socket().receive({ t: 'result', id: 2, result: { ok: true, value: null } })
    socket().receive({ t: 'result', id: 1, result: { ok: true, value: [] } })
    await expect(first).resolves.toEqual({ ok: true, value: [] })
    await expect(second).resolves.toEqual({ ok: true, value: null })
  })

  it('passes typed errors through unchanged', async () => {
    const { bridge, socket } = setup()
    socket().open()
    const pending = bridge.withdrawMessage({ messageId: textMessage().id })
    const { id } = socket().lastInvoke()
    socket().receive({ t: 'result', id, result: { ok: false, error: { code: 'RECALL_TIME_LIMIT', message: 'late' } } })
    await expect(pending).resolves.toEqual({ ok: false, error: { code: 'RECALL_TIME_LIMIT', message: 'late' } })
  })

  it('turns a malformed answer into INTERNAL rather than handing garbage to the UI', async () => {
    const { bridge, socket } = setup()
    socket().open()
    const pending = bridge.getSession({})
    socket().receive({ t: 'result', id: socket().lastInvoke().id, result: { nope: true } })
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })

  it('ignores frames that are not JSON or not known', () => {
    const { socket } = setup()
    socket().open()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(() => socket().receive('{not json')).not.toThrow()
    expect(() => socket().receive({ t: 'mystery' })).not.toThrow()
    expect(warn).toHaveBeenCalledTimes(2)
    warn.mockRestore()
  })

  it('fails an invoke the host never answers once the timeout passes', async () => {
    const { bridge, socket } = setup()
    socket().open()
    const pending = bridge.getSession({})
    vi.advanceTimersByTime(5_000)
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })
})

describe('events', () => {
  it('delivers known events to their listeners until unsubscribed', () => {
    const { bridge, socket } = setup()
    socket().open()
    const seen: unknown[] = []
    const off = bridge.on('message:added', (p) => seen.push(p))
    const message = textMessage()
    socket().receive({ t: 'event', name: 'message:added', payload: { message } })
    socket().receive({ t: 'event', name: 'not:an-event', payload: {} })
    off()
    socket().receive({ t: 'event', name: 'message:added', payload: { message } })
    expect(seen).toEqual([{ message }])
  })

  it('keeps delivering to other listeners when one throws', () => {
    const { bridge, socket } = setup()
    socket().open()
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const seen: string[] = []
    bridge.on('session:changed', () => {
      throw new Error('boom')
    })
    bridge.on('session:changed', ({ user }) => seen.push(String(user)))
    socket().receive({ t: 'event', name: 'session:changed', payload: { user: 'alice' } })
    expect(seen).toEqual(['alice'])
    error.mockRestore()
  })
})

describe('losing the host', () => {
  it('fails in-flight and new invokes, reports the link down, and reconnects with backoff', async () => {
    const { bridge, socket, links } = setup()
    const first = socket()
    first.open()
    const inFlight = bridge.getSession({})
    first.drop()
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
    expect(bridge.link).toEqual({ state: 'down', attempt: 1, problem: 'CLOSED' })
    // While down, nothing waits forever.
    await expect(bridge.listConversations({})).resolves.toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })

    vi.advanceTimersByTime(100 * 0.5) // first delay: up to 100 ms, × jitter 0.5
    expect(FakeSocket.all).toHaveLength(2)
    expect(bridge.link.state).toBe('connecting')
    socket().drop()
    expect(bridge.link).toMatchObject({ state: 'down', attempt: 2 })

    vi.advanceTimersByTime(200 * 0.5 - 1)
    expect(FakeSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(3)
    socket().open()
    expect(bridge.link).toEqual({ state: 'up', attempt: 0, problem: null })
    expect(links.map((l) => l.state)).toEqual(['up', 'down', 'connecting', 'down', 'connecting', 'up'])

    const again = bridge.getSession({})
    socket().receive({ t: 'result', id: socket().lastInvoke().id, result: { ok: true, value: 'x' } })
    await expect(again).resolves.toEqual({ ok: true, value: 'x' })
  })

  it('fails invokes waiting on a first connection that never opens', async () => {
    const { bridge, socket } = setup()
    const waiting = bridge.getSession({})
    socket().drop()
    await expect(waiting).resolves.toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } })
  })

  it('caps the backoff delay', () => {
    const { socket } = setup()
    for (let i = 0; i < 8; i++) {
      socket().drop()
      vi.advanceTimersByTime(1000)
    }
    const count = FakeSocket.all.length
    socket().drop()
    vi.advanceTimersByTime(1000 * 0.5)
    expect(FakeSocket.all.length).toBe(count + 1)
  })

  it('stops for good when disposed', async () => {
    const { bridge, socket } = setup()
    socket().open()
    const pending = bridge.getSession({})
    bridge.dispose()
    await expect(pending).resolves.toMatchObject({ ok: false })
    expect(socket().closed).toBe(true)
    vi.advanceTimersByTime(10_000)
    expect(FakeSocket.all).toHaveLength(1)
  })
})
