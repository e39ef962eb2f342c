import { describe, expect, it } from 'vitest'
import { getSession } from '../db/queries/meta'
import { signedInCore, unwrap } from '../testing/harness'
import { keychainVault, plainVault, type Keychain } from './token-vault'
import { disposedAfterEach } from '../testing/cores'

/** A keychain that only this test's process "has": reversible, so a wrapped token is recognisable. */
function fakeKeychain(name = 'login'): Keychain {
  return {
    encryptStringAsync: async (text) => Buffer.from(`${name}|${text}`).reverse(),
    decryptStringAsync: async (data) => {
      const text = Buffer.from(data).reverse().toString()
      if (!text.startsWith(`${name}|`)) throw new Error('wrong keychain')
      return { result: text.slice(name.length + 1) }
    },
  }
}

const cores = disposedAfterEach()

describe('session token at rest', () => {
  it('the desktop app stores it wrapped by the keychain, and resumes with it', async () => {
    const vault = keychainVault(fakeKeychain())
    const first = await signedInCore('alice', { tokenVault: vault })
    const token = first.link.token!
    const stored = getSession(first.core.testing.db)!.token
    expect(stored.startsWith('keychain:')).toBe(true)
    expect(stored).not.toContain(token)

    const t = await first.reopen()
    cores.push(t)
    await t.core.start()
    expect(t.link.token).toBe(token)
    expect(unwrap(await t.core.handlers.getSession({})).user).toBe('alice')
  })

  it('wraps a token it finds plain (a profile from browser mode), and browser mode cannot open a wrapped one', async () => {
    const plain = await signedInCore('alice', { tokenVault: plainVault })
    const token = plain.link.token!
    expect(getSession(plain.core.testing.db)!.token).toBe(token)

    const desktop = await plain.reopen(keychainVault(fakeKeychain()))
    await desktop.core.start()
    expect(desktop.link.token).toBe(token)
    expect(getSession(desktop.core.testing.db)!.token.startsWith('keychain:')).toBe(true)

    const browser = await desktop.reopen(plainVault)
    cores.push(browser)
    await browser.core.start()
    expect(browser.link.token).toBeNull()
    expect(unwrap(await browser.core.handlers.getSession({})).user).toBeNull()
    expect(getSession(browser.core.testing.db)).toBeNull()
  })

  it('a token another keychain wrapped reads as signed out', async () => {
    const first = await signedInCore('alice', { tokenVault: keychainVault(fakeKeychain('old')) })
    const t = await first.reopen(keychainVault(fakeKeychain('new')))
    cores.push(t)
    await t.core.start()
    expect(t.link.token).toBeNull()
    expect(t.events.of('session:changed')).toEqual([{ user: null }])
    expect(getSession(t.core.testing.db)).toBeNull()
  })
})
