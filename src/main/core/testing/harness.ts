import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BridgeEvents, EventName, Result } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import { directConversationId, type CmdEvent, type MessageEvent } from '../../../shared/protocol'
import { openCore, type OpenedCore } from '../core'
import type { TokenVault } from '../services/token-vault'
import { FakeAuth } from './fake-auth'
import { fakeConnectionFactory, type FakeConnection } from './fake-connection'

export interface RecordedEvent {
  name: EventName
  payload: unknown
}

export class EventLog {
  readonly all: RecordedEvent[] = []
  of<E extends EventName>(name: E): BridgeEvents[E][] {
    return this.all.filter((e) => e.name === name).map((e) => e.payload as BridgeEvents[E])
  }
  clear(): void {
    this.all.length = 0
  }
}

export interface TestCore {
  core: OpenedCore
  link: FakeConnection
  events: EventLog
  auth: FakeAuth
  clock: { now: number }
  dir: string
  /** Reopen the core on the same profile (a restart), with the same token vault unless given another. */
  reopen(tokenVault?: TokenVault): Promise<TestCore>
  dispose(): Promise<void>
}

export function tempProfile(prefix = 'parley-core-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

export async function openTestCore(
  opts: { dir?: string; auth?: FakeAuth; clock?: { now: number }; tokenVault?: TokenVault } = {},
): Promise<TestCore> {
  const dir = opts.dir ?? tempProfile()
  const auth = opts.auth ?? new FakeAuth()
  const clock = opts.clock ?? { now: Date.now() }
  const events = new EventLog()
  const links = fakeConnectionFactory()
  const core = await openCore(
    { profileDir: dir, serverUrl: 'ws://127.0.0.1:9', emit: (name, payload) => events.all.push({ name, payload }), tokenVault: opts.tokenVault },
    { connect: links.factory, auth, now: () => clock.now },
  )
  const self: TestCore = {
    core,
    link: links.get(),
    events,
    auth,
    clock,
    dir,
    async reopen(tokenVault = opts.tokenVault) {
      await core.close()
      return openTestCore({ dir, auth, clock, tokenVault })
    },
    async dispose() {
      await core.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return self
}

/** A core signed up as `username` and online (welcomed). */
export async function signedInCore(username: string, opts: Parameters<typeof openTestCore>[0] = {}): Promise<TestCore> {
  const t = await openTestCore(opts)
  unwrap(await t.core.handlers.signUp({ username, password: 'correct horse battery' }))
  t.link.welcome(username)
  t.link.clearSent()
  return t
}

export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`)
  return r.value
}

// ---------------------------------------------------------------- server events, as the server would send them

let serverClock = Date.now()
/** Unique, increasing server timestamps, like the real server's. */
export function serverTs(): number {
  serverClock = Math.max(Date.now(), serverClock + 1)
  return serverClock
}

export function messageEvent(from: string, to: string, text: string, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    kind: 'message',
    id: newId(),
    conversationId: directConversationId(from, to),
    from,
    ts: serverTs(),
    text,
    ...extra,
  }
}

/** The server's relay of a REVOKE_FLAG for `target`. */
export function cmdEvent(from: string, target: MessageEvent, extra: Partial<CmdEvent> = {}): CmdEvent {
  return {
    kind: 'cmd',
    id: newId(),
    conversationId: target.conversationId,
    chatType: 'Chat',
    from,
    ts: serverTs(),
    action: 'REVOKE_FLAG',
    ext: { msgId: target.id },
    target: { from: target.from, ts: target.ts },
    ...extra,
  }
}

/** The highest `received` the core has sent so far (acknowledgements are cumulative and coalesced). */
export function lastAck(t: TestCore): number {
  return Math.max(0, ...t.link.framesOf('received').map((f) => f.seq))
}
