import type { Database } from 'better-sqlite3'
import {
  fail,
  ok,
  type ConnectionState,
  type EmitEvent,
  type Result,
  type SessionView,
} from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { normalizeUsername, Password, Username, type WelcomeFrame } from '../../../shared/protocol'
import { DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS, DEFAULT_WITHDRAW_WINDOW_SECONDS } from '../../../shared/withdraw-rules'
import {
  clearSession,
  deviceId,
  getMeta,
  getWithdrawWindows,
  getSession,
  setWithdrawWindows,
  setSession,
  type WithdrawWindows,
} from '../db/queries/meta'
import { wipeAccountData } from '../db/queries/profile'
import type { AuthApi } from '../net/auth-client'
import type { Connection } from '../net/connection'
import { truncateWalUntilDone } from '../../../node/sqlite/wal'
import type { TokenVault } from './token-vault'

const log = logger('core.session')

const DEFAULT_WINDOWS: WithdrawWindows = {
  recallWindowSeconds: DEFAULT_WITHDRAW_WINDOW_SECONDS,
  adminRecallWindowSeconds: DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS,
}

type Credentials = { username: string; password: string }

export interface SessionDeps {
  db: Database
  emit: EmitEvent
  now(): number
  serverUrl: string
  auth: AuthApi
  /** How the token is kept in the profile database. */
  vault: TokenVault
  connection(): Connection
  /** Something about the signed-in account changed (forget in-memory waiters etc.). */
  onSignedOut(): void
}

export class SessionService {
  private user: string | null
  /** In memory only once opened (`resume`); the profile holds it as the vault sealed it. */
  private token: string | null = null
  private clockOffsetMs = 0
  private connectionState: ConnectionState = 'offline'

  constructor(private readonly deps: SessionDeps) {
    this.user = getSession(deps.db)?.username ?? null
  }

  me(): string | null {
    return this.user
  }

  serverNow(): number {
    return this.deps.now() + this.clockOffsetMs
  }

  withdrawWindows(): WithdrawWindows {
    return getWithdrawWindows(this.deps.db, DEFAULT_WINDOWS)
  }

  /**
   * Connect with the stored session, if there is one. A token stored plain is sealed now
   * (a profile from browser mode or an older Parley); one this vault cannot open ends the
   * session here: the user signs in again.
   */
  async resume(): Promise<void> {
    const { db, vault } = this.deps
    const stored = getSession(db)
    if (!stored) return
    const opened = await vault.open(stored.token)
    if (!db.open || getSession(db)?.token !== stored.token) return
    if (!opened) {
      log.warn({ protection: vault.protection }, 'the stored session cannot be opened here; signed out')
      clearSession(db)
      this.user = null
      this.deps.emit('session:changed', { user: null })
      return
    }
    if (!opened.sealed && vault.protection !== 'plain') {
      const sealed = await vault.seal(opened.token)
      if (db.open) setSession(db, { token: sealed, username: stored.username })
    }
    this.token = opened.token
    this.deps.connection().start(opened.token)
  }

  view(): Result<SessionView> {
    const windows = this.withdrawWindows()
    return ok({
      user: this.user,
      connection: this.user ? this.connectionState : 'offline',
      serverUrl: this.deps.serverUrl,
      recallWindowSeconds: windows.recallWindowSeconds,
      adminRecallWindowSeconds: windows.adminRecallWindowSeconds,
      serverClockOffsetMs: this.clockOffsetMs,
    })
  }

  signUp(args: Credentials): Promise<Result<{ username: string }>> {
    return this.authenticate('signUp', args)
  }

  signIn(args: Credentials): Promise<Result<{ username: string }>> {
    return this.authenticate('signIn', args)
  }

  async signOut(): Promise<Result<null>> {
    const token = this.token
    await this.endSession('signed out')
    if (token) {
      const revoked = await this.deps.auth.signOut(token)
      // Locally the session is gone either way; the server forgets it on expiry at worst.
      if (!revoked.ok) log.info({ code: revoked.error.code }, 'token not revoked on the server')
    }
    return ok(null)
  }

  /**
   * Every device of this account is signed out by the server. Unlike signing out here, it
   * needs the server: when it cannot be reached the user stays signed in and is told so,
   * since the other devices would otherwise stay signed in unnoticed.
   */
  async signOutEverywhere(): Promise<Result<null>> {
    const token = this.token
    if (!token) return fail('NOT_SIGNED_IN', 'sign in first')
    const revoked = await this.deps.auth.signOutEverywhere(token)
    if (!revoked.ok) return revoked
    // The server also closes our socket with 4001, which may have ended the session already.
    if (this.token === token) await this.endSession('signed out everywhere')
    return ok(null)
  }

  onWelcome(w: WelcomeFrame): void {
    if (w.username !== this.user) log.error({ expected: this.user, got: w.username }, 'server welcomed another user')
    this.clockOffsetMs = w.serverTime - this.deps.now()
    setWithdrawWindows(this.deps.db, {
      recallWindowSeconds: w.recallWindowSeconds,
      adminRecallWindowSeconds: w.adminRecallWindowSeconds,
    })
  }

  onConnectionState(state: ConnectionState, detail: string | null): void {
    this.connectionState = state
    this.deps.emit('connection:changed', { state, detail })
  }

  /** The server refused a token (revoked or expired); only the current one ends this session. */
  onUnauthorized(token: string): void {
    if (token !== this.token) return
    log.info('session expired')
    clearSession(this.deps.db)
    this.user = null
    this.token = null
    this.deps.onSignedOut()
    this.deps.emit('session:changed', { user: null })
  }

  private async authenticate(kind: 'signUp' | 'signIn', args: Credentials): Promise<Result<{ username: string }>> {
    const username = normalizeUsername(args.username)
    if (!Username.safeParse(username).success) {
      return fail('INVALID_USERNAME', 'usernames are 3-32 characters: a-z, 0-9, _')
    }
    if (!Password.safeParse(args.password).success) {
      return kind === 'signUp'
        ? fail('WEAK_PASSWORD', 'passwords have at least 8 characters')
        : fail('BAD_CREDENTIALS', 'wrong username or password')
    }
    const { db } = this.deps
    const body = { username, password: args.password, deviceId: deviceId(db) }
    const answer = kind === 'signUp' ? await this.deps.auth.signUp(body) : await this.deps.auth.signIn(body)
    if (!answer.ok) return answer
    const session = answer.value
    const sealed = await this.deps.vault.seal(session.token)
    if (!db.open) return fail('INTERNAL', 'Parley is shutting down')

    if (this.user) await this.endSession('switching account')
    const previous = getMeta(db, 'account')
    if (previous && previous !== session.username) {
      // Another person's history must not show up under this account.
      log.info('another account signs in on this profile: clearing the previous one')
      wipeAccountData(db)
      truncateWalUntilDone(db)
    }
    setSession(db, { token: sealed, username: session.username })
    this.user = session.username
    this.token = session.token
    this.clockOffsetMs = 0
    this.deps.emit('session:changed', { user: session.username })
    this.deps.connection().start(session.token)
    return ok({ username: session.username })
  }

  private async endSession(why: string): Promise<void> {
    log.info({ why }, 'session ended')
    clearSession(this.deps.db)
    this.user = null
    this.token = null
    this.deps.onSignedOut()
    await this.deps.connection().stop()
    this.deps.emit('session:changed', { user: null })
  }
}
