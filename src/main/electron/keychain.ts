/**
 * The desktop app's session token, wrapped by the OS keychain through Electron's
 * safeStorage (the vault itself is Electron-free: core/services/token-vault.ts).
 */
import { safeStorage } from 'electron'
import { logger } from '../../shared/log'
import { keychainVault, plainVault, type TokenVault } from '../core/services/token-vault'

const log = logger('keychain')

/** After `app` is ready (safeStorage needs it). Without a keychain the token is kept plain, as in browser mode, and the log says so. */
export async function desktopTokenVault(): Promise<TokenVault> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    log.warn('no OS keychain available: the session token is stored plain in the profile')
    return plainVault
  }
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    // Chromium's fallback without a Secret Service or KWallet: a fixed key, no better than plain
    log.warn('no Secret Service or KWallet: the session token is only obfuscated in the profile')
  }
  return keychainVault(safeStorage)
}
