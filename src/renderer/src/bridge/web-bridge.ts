/**
 * Browser mode: the bridge contract carried over one WebSocket to the headless host
 * (wire format in src/shared/web-bridge.ts). The host checks a per-launch token; the
 * page gets it once in its address, keeps it in sessionStorage so a reload still
 * works, and strips it from the address bar so it does not linger in history.
 *
 * Invariant: every invoke settles. While the link is down, invokes resolve at once to
 * a SERVER_UNREACHABLE error; in-flight invokes fail when the socket closes, and a
 * host that never answers is cut off by a timeout.
 */
import {
  eventNames,
  fail,
  invokeNames,
  type BridgeEvents,
  type EventName,
  type InvokeName,
  type ParleyBridge,
  type Result,
} from '../../../shared/bridge'
import { backoffDelay, type BackoffOptions } from '../../../shared/backoff'
import { WEB_BRIDGE_PATH } from '../../../shared/web-bridge'
import type { LinkStatus } from './link'

export const TOKEN_STORAGE_KEY = 'parley.bridge-token'

/** The subset of the DOM WebSocket the bridge uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number
  onopen: ((ev: Event) => void) | null
  onclose: ((ev: CloseEvent) => void) | null
  onerror: ((ev: Event) => void) | null
  onmessage: ((ev: MessageEvent) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
export type SocketFactory = (url: string) => SocketLike

const OPEN = 1

export interface WebBridgeOptions {
  pageUrl?: string
  history?: Pick<History, 'replaceState' | 'state'>
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null
  connect?: SocketFactory
  backoff?: Partial<BackoffOptions>
  /** Longest wait for one answer from the host. */
  invokeTimeoutMs?: number
  /** Jitter source, [0, 1). */
  random?: () => number
}

export interface WebBridge extends ParleyBridge {
  readonly link: LinkStatus
  /** Follow the link's health; returns the unsubscribe function. */
  onLink(listener: (status: LinkStatus) => void): () => void
  /** Stop for good: closes the socket, fails what is pending, no more reconnects. */
  dispose(): void
}

/** The host is on this machine: it is back within seconds, or not at all. */
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 5_000 }
const DEFAULT_INVOKE_TIMEOUT_MS = 60_000

/**
 * Read the token from the page address (then keep it in storage and remove it from
 * the address bar), or fall back to the one kept from an earlier load.
 */
export function takeToken(
  pageUrl: string,
  history: Pick<History, 'replaceState' | 'state'> | null,
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): string | null {
  const url = new URL(pageUrl)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromUrl)
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    url.searchParams.delete('token')
    history?.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`)
    return fromUrl
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

/** `http://host:port/...` → `ws://host:port/bridge?token=...` (same origin as the page). */
export function bridgeSocketUrl(pageUrl: string, token: string): string {
  const url = new URL(WEB_BRIDGE_PATH, pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.search = ''
  url.hash = ''
  url.searchParams.set('token', token)
  return url.toString()
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { ok?: unknown; error?: { code?: unknown } }
  if (v.ok === true) return 'value' in v
  return v.ok === false && typeof v.error?.code === 'string'
}

interface Pending {
  resolve: (result: Result<unknown>) => void
  timer: ReturnType<typeof setTimeout>
}

interface Waiting {
  name: InvokeName
  args: unknown
  resolve: (result: Result<unknown>) => void
}

const unreachable = (why: string): Result<never> =>
  fail('SERVER_UNREACHABLE', `Parley's local service is not reachable: ${why}`)

export function createWebBridge(options: WebBridgeOptions = {}): WebBridge {
  const pageUrl = options.pageUrl ?? window.location.href
  const history = options.history ?? window.history
  const storage = options.storage !== undefined ? options.storage : safeSessionStorage()
  const connect: SocketFactory = options.connect ?? ((url) => new WebSocket(url))
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
  const invokeTimeoutMs = options.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS
  const random = options.random ?? Math.random

  const token = takeToken(pageUrl, history, storage)
  const eventListeners = new Map<string, Set<(payload: never) => void>>()
  const linkListeners = new Set<(status: LinkStatus) => void>()
  const pending = new Map<number, Pending>()
  let waiting: Waiting[] = []
  let nextId = 1
  let socket: SocketLike | null = null
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null
  let disposed = false
  let link: LinkStatus = token
    ? { state: 'connecting', attempt: 0, problem: null }
    : { state: 'down', attempt: 0, problem: 'NO_TOKEN' }

  function setLink(next: LinkStatus): void {
    link = next
    for (const listener of [...linkListeners]) {
      try {
        listener(next)
      } catch (err) {
        console.error('parley: link listener failed', err)
      }
    }
  }

  function send(name: InvokeName, args: unknown, resolve: (r: Result<unknown>) => void): void {
    const id = nextId++
    const timer = setTimeout(() => {
      if (pending.delete(id)) resolve(fail('INTERNAL', `no answer from Parley's local service to ${name}`))
    }, invokeTimeoutMs)
    pending.set(id, { resolve, timer })
    try {
      socket!.send(JSON.stringify({ t: 'invoke', id, name, args: args ?? {} }))
    } catch {
      clearTimeout(timer)
      pending.delete(id)
      resolve(unreachable('the request could not be sent'))
    }
  }

  function failInFlight(why: string): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer)
      pending.delete(id)
      p.resolve(unreachable(`${why}; the outcome of the request is unknown`))
    }
    const queued = waiting
    waiting = []
    for (const w of queued) w.resolve(unreachable(why))
  }

  function onFrame(raw: unknown): void {
    if (typeof raw !== 'string') return
    let frame: unknown
    try {
      frame = JSON.parse(raw)
    } catch {
      console.warn('parley: ignored a bridge frame that is not JSON')
      return
    }
    if (typeof frame !== 'object' || frame === null) return
    const f = frame as { t?: unknown; id?: unknown; result?: unknown; name?: unknown; payload?: unknown }
    if (f.t === 'result' && typeof f.id === 'number') {
      const p = pending.get(f.id)
      if (!p) return
      pending.delete(f.id)
      clearTimeout(p.timer)
      p.resolve(isResult(f.result) ? f.result : fail('INTERNAL', 'malformed answer from the local service'))
      return
    }
    if (f.t === 'event' && typeof f.name === 'string' && (eventNames as readonly string[]).includes(f.name)) {
      const listeners = eventListeners.get(f.name)
      if (!listeners) return
      for (const listener of [...listeners]) {
        try {
          listener(f.payload as never)
        } catch (err) {
          console.error(`parley: listener for ${f.name} failed`, err)
        }
      }
      return
    }
    console.warn('parley: ignored an unknown bridge frame')
  }

  function open(): void {
    if (disposed || !token) return
    let ws: SocketLike
    try {
      ws = connect(bridgeSocketUrl(pageUrl, token))
    } catch {
      scheduleReconnect()
      return
    }
    socket = ws
    ws.onopen = () => {
      if (socket !== ws) return
      setLink({ state: 'up', attempt: 0, problem: null })
      const queued = waiting
      waiting = []
      for (const w of queued) send(w.name, w.args, w.resolve)
    }
    ws.onmessage = (ev) => {
      if (socket === ws) onFrame(ev.data)
    }
    ws.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    }
    ws.onclose = () => {
      if (socket !== ws) return
      socket = null
      failInFlight('the connection was lost')
      if (!disposed) scheduleReconnect()
    }
  }

  function scheduleReconnect(): void {
    const attempt = link.attempt + 1
    setLink({ state: 'down', attempt, problem: 'CLOSED' })
    // Jitter keeps several tabs from hammering a restarting host in lockstep.
    const delay = backoffDelay(attempt - 1, backoff, random)
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null
      if (disposed) return
      setLink({ state: 'connecting', attempt, problem: null })
      open()
    }, delay)
  }

  function invoke(name: InvokeName, args: unknown): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      if (disposed) return resolve(unreachable('the page is closing'))
      if (!token) return resolve(unreachable('this page was opened without its access token'))
      if (link.state === 'up' && socket?.readyState === OPEN) return send(name, args, resolve)
      if (link.state === 'connecting') {
        waiting.push({ name, args, resolve })
        return
      }
      resolve(unreachable('reconnecting'))
    })
  }

  const invokers = Object.fromEntries(invokeNames.map((name) => [name, (args: unknown) => invoke(name, args)]))

  const bridge = {
    ...invokers,
    on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
      let set = eventListeners.get(event)
      if (!set) eventListeners.set(event, (set = new Set()))
      const entry = listener as (payload: never) => void
      set.add(entry)
      return () => {
        set.delete(entry)
      }
    },
    get link() {
      return link
    },
    onLink(listener: (status: LinkStatus) => void): () => void {
      linkListeners.add(listener)
      return () => {
        linkListeners.delete(listener)
      }
    },
    dispose(): void {
      if (disposed) return
      disposed = true
      if (reconnectTimer) clearTimeout(reconnectTimer)
      const ws = socket
      socket = null
      failInFlight('the page is closing')
      ws?.close(1000, 'page closed')
    },
  }

  open()
  return bridge as unknown as WebBridge
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}
