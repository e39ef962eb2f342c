/**
 * The client core: everything the desktop app and browser mode share, with no Electron
 * in it. One database per profile, one connection to the server, and the bridge
 * handlers the renderer calls.
 */
import type { Database } from 'better-sqlite3'
import type { BridgeHandlers, EmitEvent } from '../../shared/bridge'
import { logger } from '../../shared/log'
import type { ClientFrame, ServerFrame } from '../../shared/protocol'
import type { CoreContext } from './context'
import { settlePendingCheckpoint } from './db/cleanup'
import { openDatabase } from './db/open'
import { guardDiskFull } from './errors'
import { httpAuthClient, type AuthApi } from './net/auth-client'
import type { BackoffOptions } from '../../shared/backoff'
import { wsConnectionFactory, type Connection, type ConnectionFactory, type ServerReply } from './net/connection'
import { PendingRequests } from './net/requests'
import { ConversationService } from './services/conversations'
import { GroupService } from './services/groups'
import { InboundProcessor } from './services/inbound'
import { Inbox } from './services/inbox'
import { listMessages } from './services/messages'
import { OutboxTransmitter } from './services/outbox-transmitter'
import { searchMessages } from './services/search'
import { SearchIndexRollover } from './services/search-rollover'
import { SendingService } from './services/sending'
import { SessionService } from './services/session'
import { SyncProgressReporter } from './services/sync-progress'
import { getSettings, updateSettings } from './services/settings'
import { plainVault, type TokenVault } from './services/token-vault'
import { ReEditService } from './withdraw/reedit'
import { WithdrawSender } from './withdraw/send'

const log = logger('core')

export interface CoreOptions {
  profileDir: string
  serverUrl: string
  emit: EmitEvent
  nativeBinding?: string
  /** How the session token is kept in the profile (services/token-vault.ts); plain by default. */
  tokenVault?: TokenVault
}

export interface ParleyCore {
  handlers: BridgeHandlers
  start(): Promise<void>
  close(): Promise<void>
}

/** Replaceable parts, for tests. */
export interface CoreDeps {
  connect?: ConnectionFactory
  auth?: AuthApi
  now?: () => number
  backoff?: BackoffOptions
}

/** Test seams: the protocol layer and the database, reachable without a renderer. */
export interface CoreTesting {
  db: Database
  connection: Connection
  /** Handle `raw` exactly as if the server had sent it. */
  injectServerFrame(raw: string): void
  /** Write a client frame as-is on the live socket. */
  sendRawFrame(frame: ClientFrame): boolean
  /** See every parsed frame from the server (welcome included). */
  onServerFrame(listener: (frame: ServerFrame) => void): () => void
}

export interface OpenedCore extends ParleyCore {
  testing: CoreTesting
}

export async function createCore(opts: CoreOptions): Promise<ParleyCore> {
  return openCore(opts)
}

export async function openCore(opts: CoreOptions, deps: CoreDeps = {}): Promise<OpenedCore> {
  const db = openDatabase({ profileDir: opts.profileDir, nativeBinding: opts.nativeBinding })
  const now = deps.now ?? Date.now
  let closed = false
  const frameListeners = new Set<(frame: ServerFrame) => void>()

  // Nothing reaches the host once it closed the core.
  const emit: EmitEvent = (name, payload) => {
    if (closed) return
    try {
      opts.emit(name, payload)
    } catch (err) {
      log.error({ err, event: name }, 'event listener threw')
    }
  }

  let connection: Connection | null = null
  const link = (): Connection => connection!

  const session = new SessionService({
    db,
    emit,
    now,
    serverUrl: opts.serverUrl,
    auth: deps.auth ?? httpAuthClient(opts.serverUrl),
    vault: opts.tokenVault ?? plainVault,
    connection: link,
    onSignedOut: () => forgetWaiters(),
  })
  const ctx: CoreContext = {
    db,
    emit,
    now,
    serverNow: () => session.serverNow(),
    me: () => session.me(),
    withdrawWindows: () => session.withdrawWindows(),
    draftKept: () => reedit.schedule(),
  }
  // Every answer the server sends to a frame of ours goes to whoever sent that frame.
  const requests = new PendingRequests()
  const outbox = new OutboxTransmitter(ctx, link, requests, {
    send: (reply): void => sending.onReply(reply),
    cmd: (reply): unknown => withdraws.onReply(reply),
  })
  const sending = new SendingService(ctx, link, requests, outbox)
  const withdraws = new WithdrawSender(ctx, link, requests, () => outbox.retrySoon())
  const conversations = new ConversationService(ctx, link, requests)
  const groups = new GroupService(ctx, link, requests)
  const syncProgress = new SyncProgressReporter(emit)
  const inbound = new InboundProcessor(ctx, link, (event) => {
    if (event.kind === 'group') groups.onApplied(event.id)
    syncProgress.onApplied(event)
  })
  const reedit = new ReEditService(ctx)
  const searchRollover = new SearchIndexRollover(ctx)

  function forgetWaiters(): void {
    requests.forgetAll()
    groups.onDisconnect()
  }

  const inbox = new Inbox(
    (events) => inbound.handleBatch(events),
    (frame) => route(frame),
  )

  function route(frame: ServerReply): void {
    switch (frame.type) {
      case 'event':
        inbound.handle(frame)
        return
      case 'ack':
      case 'lookup-result':
        if (!requests.route(frame)) log.debug({ id: frame.id, type: frame.type }, 'answer to nothing pending')
        return
      case 'error':
        // without an id it answers no request: a frame the server could not read at all
        if (frame.id === undefined || !requests.route({ ...frame, id: frame.id })) {
          log.warn({ id: frame.id, code: frame.code }, 'server error')
        }
        return
      default: {
        const unknown: never = frame
        log.warn({ type: (unknown as { type?: string }).type }, 'unhandled frame')
      }
    }
  }

  connection = (deps.connect ?? wsConnectionFactory({ serverUrl: opts.serverUrl, backoff: deps.backoff }))({
    onState(state, detail) {
      if (state !== 'online') {
        inbox.clear()
        forgetWaiters()
        syncProgress.finish()
      }
      session.onConnectionState(state, detail)
    },
    onWelcome(frame) {
      for (const l of frameListeners) l(frame)
      session.onWelcome(frame)
      syncProgress.onConnected(frame.serverTime)
      inbound.onConnected()
      outbox.flush()
    },
    onFrame(frame) {
      for (const l of frameListeners) l(frame)
      if (closed) return
      route(frame)
    },
    onFrames(frames) {
      for (const frame of frames) for (const l of frameListeners) l(frame)
      if (closed) return
      inbox.push(frames)
    },
    onUnauthorized(token) {
      session.onUnauthorized(token)
    },
  })

  const handlers: BridgeHandlers = {
    getSession: async () => session.view(),
    signUp: guardDiskFull((a) => session.signUp(a)),
    signIn: guardDiskFull((a) => session.signIn(a)),
    signOut: guardDiskFull(() => session.signOut()),
    signOutEverywhere: guardDiskFull(() => session.signOutEverywhere()),
    listConversations: () => conversations.list(),
    openDirect: guardDiskFull((a) => conversations.openDirect(a)),
    markRead: guardDiskFull((a) => conversations.markRead(a)),
    listMessages: async (a) => listMessages(ctx, a),
    sendMessage: guardDiskFull((a) => sending.send(a)),
    withdrawMessage: guardDiskFull((a) => withdraws.withdraw(a)),
    reEdit: guardDiskFull((a) => reedit.reEdit(a)),
    searchMessages: async (a) => searchMessages(ctx, a),
    getSettings: async () => getSettings(ctx),
    updateSettings: guardDiskFull(async (a) => updateSettings(ctx, a)),
    createGroup: guardDiskFull((a) => groups.create(a)),
    getGroup: (a) => groups.get(a),
    addMembers: guardDiskFull((a) => groups.addMembers(a)),
    removeMember: guardDiskFull((a) => groups.removeMember(a)),
    leaveGroup: guardDiskFull((a) => groups.leave(a)),
    setRole: guardDiskFull((a) => groups.setRole(a)),
  }

  let started = false
  return {
    handlers,
    async start() {
      if (started || closed) return
      started = true
      reedit.sweep()
      searchRollover.start()
      await session.resume()
    },
    async close() {
      if (closed) return
      closed = true
      reedit.stop()
      outbox.stop()
      inbox.clear()
      inbound.stop()
      forgetWaiters()
      syncProgress.finish()
      searchRollover.stop()
      await connection.stop()
      // A merge and truncation still waiting to coalesce: withdrawn trigrams must not outlive the app.
      settlePendingCheckpoint(db)
      db.close()
    },
    testing: {
      db,
      connection,
      injectServerFrame: (raw) => link().injectFrame(raw),
      sendRawFrame: (frame) => link().send(frame),
      onServerFrame(listener) {
        frameListeners.add(listener)
        return () => frameListeners.delete(listener)
      },
    },
  }
}
