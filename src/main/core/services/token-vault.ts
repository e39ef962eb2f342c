/**
 * How the session token rests in the profile database (`meta.sessionToken`).
 *
 * The desktop app wraps it with the OS keychain (Electron's safeStorage: Keychain on macOS,
 * DPAPI on Windows, the Secret Service or KWallet on Linux), so a copy of the profile
 * directory alone signs nobody in. Browser mode keeps it plain: it is a plain Node process,
 * often on a machine without a desktop session, with no keychain it could reach; there the
 * profile directory is private to its user (created 0700) and the token can be revoked from
 * any device ("sign out everywhere").
 */
import { logger } from '../../../shared/log'

const log = logger('core.token-vault')

/** Marks a wrapped token; tokens themselves are base64url and never contain ':'. */
const SEALED_PREFIX = 'keychain:'

export interface OpenedToken {
  token: string
  /** It was stored wrapped (false: plain, from browser mode or an older Parley). */
  sealed: boolean
}

export interface TokenVault {
  /** What protects the stored token. */
  readonly protection: 'os-keychain' | 'plain'
  /** The text to store for `token`. */
  seal(token: string): Promise<string>
  /** The token from what was stored; null when this vault cannot open it (see `keychainVault`). */
  open(stored: string): Promise<OpenedToken | null>
}

export const plainVault: TokenVault = {
  protection: 'plain',
  seal: async (token) => token,
  // wrapped by the desktop app's keychain: only the desktop app can open it
  open: async (stored) => (stored.startsWith(SEALED_PREFIX) ? null : { token: stored, sealed: false }),
}

/** The part of Electron's safeStorage the vault uses. */
export interface Keychain {
  encryptStringAsync(plainText: string): Promise<Buffer>
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string }>
}

/**
 * Tokens wrapped by the OS keychain. A plain one (from browser mode or an older Parley) is
 * still read, and the caller wraps it again; one the keychain cannot open (another OS user,
 * another machine, a keychain that was reset) reads as no session: the user signs in again.
 */
export function keychainVault(keychain: Keychain): TokenVault {
  return {
    protection: 'os-keychain',
    seal: async (token) => SEALED_PREFIX + (await keychain.encryptStringAsync(token)).toString('base64'),
    async open(stored) {
      if (!stored.startsWith(SEALED_PREFIX)) return { token: stored, sealed: false }
      try {
        const { result } = await keychain.decryptStringAsync(Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64'))
        return { token: result, sealed: true }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'the keychain cannot open the stored session token')
        return null
      }
    },
  }
}
