/**
 * Client cores in the benchmark process, exactly as browser mode and the Electron main
 * process run them (`openCore` = `createCore` plus the test seams), each with its own
 * profile directory on disk, talking to the server over loopback. Every bridge event is
 * stamped with performance.now() the moment the core emits it.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { BridgeEvents, EventName, Result } from '../../src/shared/bridge'
import { openCore, type OpenedCore } from '../../src/main/core/core'
import { wsConnectionFactory } from '../../src/main/core/net/connection'

export const CORE_PASSWORD = 'bench-password-1'

/**
 * The client paces its own frames below the server's per-connection budget (25/s). The
 * latency loops run hundreds of rounds back to back, so both are lifted for them;
 * nothing else changes.
 */
const UNPACED = { capacity: 1e9, perSecond: 1e9 }

type Listener = (name: EventName, payload: unknown, at: number) => void

export interface BenchCore {
  core: OpenedCore
  profileDir: string
  /** Called synchronously for every event, with its emit time. */
  listen(listener: Listener): () => void
  /** Resolves with the first event `name` (from now on) that matches. */
  next<E extends EventName>(name: E, match: (p: BridgeEvents[E]) => boolean, timeoutMs?: number): Promise<{ payload: BridgeEvents[E]; at: number }>
  close(): Promise<void>
}

/** `paced`: keep the client's own frame pacing (default: lifted). `start`: call core.start() (default: true). */
export async function startCore(
  serverUrl: string,
  profileDir: string,
  opts: { paced?: boolean; start?: boolean } = {},
): Promise<BenchCore> {
  mkdirSync(profileDir, { recursive: true })
  const listeners = new Set<Listener>()
  const core = await openCore(
    {
      profileDir,
      serverUrl,
      emit: (name, payload) => {
        const at = performance.now()
        for (const l of listeners) l(name, payload, at)
      },
    },
    opts.paced ? {} : { connect: wsConnectionFactory({ serverUrl, pace: UNPACED }) },
  )
  if (opts.start !== false) await core.start()
  const self: BenchCore = {
    core,
    profileDir,
    listen(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    next(name, match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off()
          reject(new Error(`no ${name} within ${timeoutMs} ms`))
        }, timeoutMs)
        const off = self.listen((n, payload, at) => {
          if (n !== name || !match(payload as BridgeEvents[typeof name])) return
          clearTimeout(timer)
          off()
          resolve({ payload: payload as BridgeEvents[typeof name], at })
        })
      })
    },
    close: () => core.close(),
  }
  return self
}

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.value
}

/** A new account through the core (HTTP sign-up, full scrypt), online when it resolves. */
export async function signUpCore(serverUrl: string, dir: string, username: string): Promise<BenchCore> {
  const c = await startCore(serverUrl, path.join(dir, username))
  const online = c.next('connection:changed', (p) => p.state === 'online')
  unwrap(await c.core.handlers.signUp({ username, password: CORE_PASSWORD }))
  await online
  return c
}
