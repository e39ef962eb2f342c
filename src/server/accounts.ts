/**
 * Sign-up, sign-in and sign-out. Sessions are opaque bearer tokens bound to a device;
 * revoking a session publishes it on the bus so its sockets close wherever they are.
 */
import { newId } from '../shared/ids'
import { logger } from '../shared/log'
import type { CredentialsBody, SessionResponse } from '../shared/protocol'
import type { Bus } from './bus/types'
import { hashPassword, PasswordHasherBusyError, UNMATCHABLE_HASH, verifyPassword } from './passwords'
import type { BucketLimits, MonotonicClock, Take } from './rate-limit'
import type { ChatStore, SessionRecord } from './store/types'
import { MemoryThrottle, type SharedThrottle } from './throttle'
import { hashToken, newSessionToken } from './tokens'

const log = logger('server.accounts')

export interface AccountLimits {
  signInPerUsername: BucketLimits
  signInPerAddress: BucketLimits
  signUpPerAddress: BucketLimits
}

/**
 * The per-username bucket is what stops guessing one account's password (10 a minute);
 * the per-address ones bound how much hashing one host can make the server do, and stay
 * loose enough for a shared NAT or a test suite on loopback.
 */
export const DEFAULT_ACCOUNT_LIMITS: AccountLimits = {
  signInPerUsername: { capacity: 10, refillPerSecond: 1 / 6 },
  signInPerAddress: { capacity: 60, refillPerSecond: 1 },
  signUpPerAddress: { capacity: 30, refillPerSecond: 1 / 5 },
}

export interface AccountError {
  code: 'BAD_CREDENTIALS' | 'USERNAME_TAKEN' | 'RATE_LIMITED'
  message: string
  retryAfterSeconds?: number
}

export type AccountResult = { ok: true; session: SessionResponse } | { ok: false; error: AccountError }

export interface AccountsDeps {
  store: ChatStore
  bus: Bus
  /** Wall clock (ms) for record timestamps. */
  now: () => number
  limits: AccountLimits
  /** Where the sign-in/sign-up buckets live; shared by the nodes of a cluster. Default: this process. */
  throttle?: SharedThrottle
  /** Clock of the default in-process throttle. */
  monotonic?: MonotonicClock
}

function rateLimited(take: Take & { ok: false }, what: string): AccountResult {
  const retryAfterSeconds = Math.max(1, Math.ceil(take.retryAfterMs / 1000))
  return {
    ok: false,
    error: { code: 'RATE_LIMITED', message: `too many ${what}; try again in ${retryAfterSeconds} s`, retryAfterSeconds },
  }
}

const BUSY: AccountResult = {
  ok: false,
  error: { code: 'RATE_LIMITED', message: 'the server is busy checking passwords; try again shortly', retryAfterSeconds: 1 },
}

export class Accounts {
  private readonly throttle: SharedThrottle

  constructor(private readonly deps: AccountsDeps) {
    this.throttle = deps.throttle ?? new MemoryThrottle(deps.monotonic)
  }

  async signUp(credentials: CredentialsBody, address: string): Promise<AccountResult> {
    const allowed = await this.throttle.take('sign-up-address', address, this.deps.limits.signUpPerAddress)
    if (!allowed.ok) return rateLimited(allowed, 'sign-ups from this address')
    const { store } = this.deps
    // cheap check first, so a taken name does not cost a hash; createUser settles races
    if (await store.findUser(credentials.username)) return taken(credentials.username)
    let passwordHash: string
    try {
      passwordHash = await hashPassword(credentials.password)
    } catch (err) {
      if (err instanceof PasswordHasherBusyError) return BUSY
      throw err
    }
    const created = await store.createUser({ username: credentials.username, passwordHash, createdAt: this.deps.now() })
    if (created === 'taken') return taken(credentials.username)
    log.info({ username: credentials.username }, 'account created')
    return this.issueSession(credentials.username, credentials.deviceId)
  }

  async signIn(credentials: CredentialsBody, address: string): Promise<AccountResult> {
    const { limits } = this.deps
    const byAddress = await this.throttle.take('sign-in-address', address, limits.signInPerAddress)
    if (!byAddress.ok) return rateLimited(byAddress, 'sign-in attempts from this address')
    const byUsername = await this.throttle.take('sign-in-username', credentials.username, limits.signInPerUsername)
    if (!byUsername.ok) return rateLimited(byUsername, 'sign-in attempts for this account')

    const user = await this.deps.store.findUser(credentials.username)
    let matches: boolean
    try {
      // an unknown user costs a full check too, so timing does not tell which names exist
      matches = await verifyPassword(credentials.password, user?.passwordHash ?? UNMATCHABLE_HASH)
    } catch (err) {
      if (err instanceof PasswordHasherBusyError) return BUSY
      throw err
    }
    if (!user || !matches) {
      log.info({ username: credentials.username, address }, 'sign-in refused')
      return { ok: false, error: { code: 'BAD_CREDENTIALS', message: 'wrong username or password' } }
    }
    return this.issueSession(user.username, credentials.deviceId)
  }

  /** The live session behind a bearer token, or null. */
  async authenticate(token: string): Promise<SessionRecord | null> {
    return this.deps.store.findSessionByTokenHash(hashToken(token))
  }

  async signOut(session: SessionRecord): Promise<void> {
    const revoked = await this.deps.store.revokeSession(session.id)
    if (revoked) await this.announceRevoked(revoked.username, [revoked.id])
  }

  async signOutEverywhere(session: SessionRecord): Promise<void> {
    const revoked = await this.deps.store.revokeUserSessions(session.username)
    await this.announceRevoked(session.username, revoked.map((s) => s.id))
  }

  private async issueSession(username: string, deviceId: string): Promise<AccountResult> {
    const token = newSessionToken()
    const { replaced } = await this.deps.store.createSession({
      id: newId(),
      tokenHash: hashToken(token),
      username,
      deviceId,
      createdAt: this.deps.now(),
    })
    // one session per device: signing in again retires the device's previous token
    await this.announceRevoked(username, replaced.map((s) => s.id))
    log.info({ username, deviceId }, 'session created')
    return { ok: true, session: { token, username } }
  }

  private async announceRevoked(username: string, sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return
    log.info({ username, sessions: sessionIds.length }, 'sessions revoked')
    await this.deps.bus.publish(username, { kind: 'sessions-revoked', sessionIds })
  }
}

function taken(username: string): AccountResult {
  return { ok: false, error: { code: 'USERNAME_TAKEN', message: `the username ${username} is taken` } }
}
