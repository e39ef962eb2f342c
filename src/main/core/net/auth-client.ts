import { fail, ok, type BridgeErrorCode, type Result } from '../../../shared/bridge'
import { HTTP_ERRORS } from '../../../shared/errors'
import { logger } from '../../../shared/log'
import { HttpErrorBody, SessionResponse, type CredentialsBody } from '../../../shared/protocol'

const log = logger('core.auth')

/** The server's account endpoints, as the session service sees them (a fake in unit tests). */
export interface AuthApi {
  signUp(body: CredentialsBody): Promise<Result<SessionResponse>>
  signIn(body: CredentialsBody): Promise<Result<SessionResponse>>
  /** Revoke this token on the server; best effort. */
  signOut(token: string): Promise<Result<null>>
  /** Revoke every session of the token's user (all devices). */
  signOutEverywhere(token: string): Promise<Result<null>>
}

/** For answers without a body we can read (a proxy in between, an older server): by HTTP status. */
const STATUS_TO_BRIDGE: Record<number, BridgeErrorCode> = {
  400: 'INVALID_ARGUMENT',
  401: 'BAD_CREDENTIALS',
  409: 'USERNAME_TAKEN',
  429: 'RATE_LIMITED',
}

/** The HTTP base of a ws:// server URL (same host and port, ws → http). */
export function httpBase(serverUrl: string): string {
  const url = new URL(serverUrl)
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
  url.pathname = '/'
  url.search = ''
  url.hash = ''
  return url.toString().replace(/\/$/, '')
}

export function httpAuthClient(serverUrl: string, timeoutMs = 10_000): AuthApi {
  const base = httpBase(serverUrl)

  async function call(method: string, path: string, init: { body?: unknown; token?: string }): Promise<Result<Response>> {
    const headers: Record<string, string> = {}
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    if (init.token) headers.authorization = `Bearer ${init.token}`
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      return ok(res)
    } catch (err) {
      // Connection refused, DNS failure, timeout: all mean the same to the user.
      log.info({ method, path, reason: networkReason(err) }, 'server unreachable')
      return fail('SERVER_UNREACHABLE', 'the Parley server cannot be reached')
    }
  }

  async function session(path: string, expected: number, body: CredentialsBody): Promise<Result<SessionResponse>> {
    const sent = await call('POST', path, { body })
    if (!sent.ok) return sent
    const res = sent.value
    const json: unknown = await res.json().catch(() => null)
    if (res.status === expected) {
      const parsed = SessionResponse.safeParse(json)
      if (parsed.success) return ok(parsed.data)
      log.error({ path, status: res.status }, 'unexpected session response')
      return fail('INTERNAL', 'the server sent an unexpected answer')
    }
    return httpError(res.status, json)
  }

  async function revoke(path: string, token: string): Promise<Result<null>> {
    const sent = await call('DELETE', path, { token })
    if (!sent.ok) return sent
    const res = sent.value
    await res.body?.cancel()
    // 401: the token was already dead, which is what signing out wants.
    if (res.ok || res.status === 401) return ok(null)
    return httpError(res.status, null)
  }

  return {
    signUp: (body) => session('/v1/accounts', 201, body),
    signIn: (body) => session('/v1/sessions', 200, body),
    signOut: (token) => revoke('/v1/sessions/current', token),
    signOutEverywhere: (token) => revoke('/v1/sessions', token),
  }
}

function httpError<T>(status: number, json: unknown): Result<T> {
  const body = HttpErrorBody.safeParse(json)
  const code = body.success ? HTTP_ERRORS[body.data.error.code] : (STATUS_TO_BRIDGE[status] ?? 'INTERNAL')
  const message = body.success ? body.data.error.message : `server answered ${status}`
  return fail(code, message)
}

function networkReason(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: string } }).cause
    return cause?.code ?? err.name
  }
  return 'unknown'
}
