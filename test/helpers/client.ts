/**
 * Client cores in this process, each with its own temporary profile directory, talking
 * to the real server over loopback. Every event they emit is recorded with the time it
 * was emitted, and their databases can be read the way a user's disk would be.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { BridgeEvents, BridgeHandlers, EventName, Result } from '../../src/shared/bridge'
import { openCore, type OpenedCore } from '../../src/main/core/core'
import { databasePath } from '../../src/main/core/db/open'
import { launchServer, type ServerProcess, type ServerProcessOptions } from './server-process'
import { waitFor, type WaitOptions } from './wait'

export const PASSWORD = 'integration-password'

export interface Recorded<E extends EventName = EventName> {
  name: E
  payload: BridgeEvents[E]
  /** performance.now() when the core emitted it. */
  at: number
}

export class EventRecorder {
  readonly all: Recorded[] = []
  /** Called synchronously on every event (for latency probes). */
  tap: ((e: Recorded) => void) | null = null

  record<E extends EventName>(name: E, payload: BridgeEvents[E]): void {
    const e = { name, payload, at: performance.now() } as Recorded
    this.all.push(e)
    this.tap?.(e)
  }

  of<E extends EventName>(name: E): BridgeEvents[E][] {
    return this.all.filter((e) => e.name === name).map((e) => e.payload as BridgeEvents[E])
  }

  find<E extends EventName>(name: E, match: (p: BridgeEvents[E]) => boolean): BridgeEvents[E] | undefined {
    return this.of(name).find(match)
  }
}

export interface TestClient {
  core: OpenedCore
  h: BridgeHandlers
  events: EventRecorder
  profileDir: string
  serverUrl: string
  /** Wait until an event matching `match` has been emitted (also one emitted before the call). */
  waitForEvent<E extends EventName>(name: E, match?: (p: BridgeEvents[E]) => boolean, opts?: WaitOptions): Promise<BridgeEvents[E]>
  /** Close the core (the profile stays). */
  close(): Promise<void>
  /** Close and open a new core on the same profile, then start it (an app restart). */
  restart(): Promise<TestClient>
  /** Close and delete the profile. */
  dispose(): Promise<void>
}

export async function startClient(opts: { serverUrl: string; profileDir?: string; start?: boolean }): Promise<TestClient> {
  const profileDir = opts.profileDir ?? mkdtempSync(path.join(tmpdir(), 'parley-it-profile-'))
  const events = new EventRecorder()
  const core = await openCore({ profileDir, serverUrl: opts.serverUrl, emit: (name, payload) => events.record(name, payload) })
  if (opts.start !== false) await core.start()
  let closed = false
  const client: TestClient = {
    core,
    h: core.handlers,
    events,
    profileDir,
    serverUrl: opts.serverUrl,
    waitForEvent: (name, match = () => true, wait) =>
      waitFor(() => events.find(name, match), { what: `event ${name}`, ...wait }),
    async close() {
      if (closed) return
      closed = true
      await core.close()
    },
    async restart() {
      await client.close()
      return startClient({ serverUrl: opts.serverUrl, profileDir })
    },
    async dispose() {
      await client.close()
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
  return client
}

/** A new account on a fresh profile, signed up and online. */
export async function signedUpClient(serverUrl: string, username: string): Promise<TestClient> {
  const c = await startClient({ serverUrl })
  ok(await c.h.signUp({ username, password: PASSWORD }))
  await waitOnline(c)
  return c
}

/** An existing account on a fresh profile (another device), signed in and online. */
export async function signedInClient(serverUrl: string, username: string, profileDir?: string): Promise<TestClient> {
  const c = await startClient({ serverUrl, profileDir })
  ok(await c.h.signIn({ username, password: PASSWORD }))
  await waitOnline(c)
  return c
}

export interface TwoClients {
  server: ServerProcess
  alice: TestClient
  bob: TestClient
  names: { alice: string; bob: string }
  /** Their 1:1 conversation, opened by Alice. */
  conv: string
}

/**
 * The cast of a two-person test: a server of its own, Alice and Bob signed up on fresh
 * profiles and online, and their 1:1 conversation opened by Alice. The caller disposes
 * them (a test may replace a client by restarting it); a setup that fails disposes here
 * what it had started.
 */
export async function twoClients(serverOptions: ServerProcessOptions = {}): Promise<TwoClients> {
  const names = { alice: uniqueName('alice'), bob: uniqueName('bob') }
  const server = await launchServer(serverOptions)
  const started: TestClient[] = []
  try {
    const alice = await signedUpClient(server.url, names.alice)
    started.push(alice)
    const bob = await signedUpClient(server.url, names.bob)
    started.push(bob)
    const conv = ok(await alice.h.openDirect({ username: names.bob })).id
    return { server, alice, bob, names, conv }
  } catch (err) {
    for (const c of started) await c.dispose()
    await server.dispose()
    throw err
  }
}

/** Reconnecting after a server restart may wait out a backoff of up to 15 s. */
export const RECONNECT_TIMEOUT_MS = 40_000

export async function connectionState(c: TestClient): Promise<string> {
  return ok(await c.h.getSession({})).connection
}

export async function waitOnline(c: TestClient): Promise<void> {
  await waitFor(async () => (await connectionState(c)) === 'online', { what: 'online', timeoutMs: RECONNECT_TIMEOUT_MS })
}

export function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`)
  return r.value
}

/** A fresh valid username: tests sharing one server never collide. */
export function uniqueName(base: string): string {
  return `${base}_${randomBytes(4).toString('hex')}`
}

/** Read a profile's database from disk, read-only, the way a person inspecting it would. */
export function readProfile<T>(profileDir: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(databasePath(profileDir), { readonly: true, fileMustExist: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

export interface StoredMessage {
  id: string
  sender: string
  kind: 'text' | 'notice'
  text: string | null
  ts: number
  state: string | null
}

export function storedMessages(profileDir: string, conversationId: string): StoredMessage[] {
  return readProfile(profileDir, (db) =>
    db
      .prepare('SELECT id, sender, kind, text, ts, state FROM messages WHERE conversation_id = ? ORDER BY ts, id')
      .all(conversationId) as StoredMessage[],
  )
}

export function storedMessage(profileDir: string, id: string): StoredMessage | undefined {
  return readProfile(profileDir, (db) =>
    db.prepare('SELECT id, sender, kind, text, ts, state FROM messages WHERE id = ?').get(id) as StoredMessage | undefined,
  )
}

export function outboxSize(profileDir: string): number {
  return readProfile(profileDir, (db) => db.prepare('SELECT count(*) FROM outbox').pluck().get() as number)
}
