/**
 * Opaque session tokens: 32 random bytes, base64url. The server keeps only their sha256,
 * so a copy of the database does not let anyone sign in.
 */
import crypto from 'node:crypto'

const TOKEN_BYTES = 32
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/

export function newSessionToken(): string {
  return crypto.randomBytes(TOKEN_BYTES).toString('base64url')
}

export function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest()
}

/** The token of an `Authorization: Bearer <token>` header, or null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null
  const m = /^Bearer +(\S+)\s*$/i.exec(header)
  return m && TOKEN_RE.test(m[1]!) ? m[1]! : null
}
