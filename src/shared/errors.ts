/**
 * What each error the server can send means to the client, in one place: the bridge code
 * the user is shown (translated by the renderer), and whether the same request may
 * succeed if sent again later. Exhaustive by type, so a new server code has to be placed here.
 */
import { type BridgeError, type BridgeErrorCode, type Result } from './bridge'
import type { ErrorCode, HttpErrorCode } from './protocol'

export interface ProtocolErrorMeaning {
  /** What the user is told. */
  bridge: BridgeErrorCode
  /** The server could not take it now (load, a passing fault): the same frame, resent later, may succeed. */
  transient: boolean
}

export const PROTOCOL_ERRORS: Readonly<Record<ErrorCode, ProtocolErrorMeaning>> = {
  BAD_FRAME: { bridge: 'INVALID_ARGUMENT', transient: false },
  UNSUPPORTED_VERSION: { bridge: 'INTERNAL', transient: false },
  HELLO_REQUIRED: { bridge: 'INTERNAL', transient: false },
  TOO_LARGE: { bridge: 'INVALID_ARGUMENT', transient: false },
  RATE_LIMITED: { bridge: 'RATE_LIMITED', transient: true },
  // a 1:1 with someone who is no longer there reads as not allowed, like a group one left
  NOT_MEMBER: { bridge: 'NOT_ALLOWED', transient: false },
  USER_NOT_FOUND: { bridge: 'USER_NOT_FOUND', transient: false },
  NOT_FOUND: { bridge: 'NOT_FOUND', transient: false },
  NOT_ALLOWED: { bridge: 'NOT_ALLOWED', transient: false },
  RECALL_TIME_LIMIT: { bridge: 'RECALL_TIME_LIMIT', transient: false },
  WITHDRAWN: { bridge: 'NOT_FOUND', transient: false },
  ID_CONFLICT: { bridge: 'INTERNAL', transient: false },
  GROUP_FULL: { bridge: 'GROUP_FULL', transient: false },
  INTERNAL: { bridge: 'INTERNAL', transient: true },
}

/** The server's refusal as the user reads it; codes with no meaning of their own name the server's code. */
export function bridgeErrorOf(error: { code: ErrorCode; message: string }): BridgeError {
  const code = PROTOCOL_ERRORS[error.code].bridge
  return { code, message: code === 'INTERNAL' ? `server error: ${error.code}` : error.message }
}

/** The same, as the caller's answer. */
export function refusedBy<T = never>(error: { code: ErrorCode; message: string }): Result<T> {
  return { ok: false, error: bridgeErrorOf(error) }
}

/** The accounts API's error codes (HTTP), as the user reads them. */
export const HTTP_ERRORS: Readonly<Record<HttpErrorCode, BridgeErrorCode>> = {
  BAD_REQUEST: 'INVALID_ARGUMENT',
  BAD_CREDENTIALS: 'BAD_CREDENTIALS',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  UNAUTHORIZED: 'NOT_SIGNED_IN',
  FORBIDDEN: 'INTERNAL',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'INTERNAL',
  INTERNAL: 'INTERNAL',
}
