import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, dispatchInvoke } from '../../../shared/bridge'
import { writeSettingValue } from '../db/queries/settings'
import { openTestCore, signedInCore, unwrap, type TestCore } from '../testing/harness'
import { readProfileSettings } from './settings'
import { disposedAfterEach } from '../testing/cores'

const cores = disposedAfterEach()

async function track(t: Promise<TestCore>): Promise<TestCore> {
  const c = await t
  cores.push(c)
  return c
}

describe('settings', () => {
  it('start with the defaults, before anyone signs in', async () => {
    const t = await track(openTestCore())
    expect(unwrap(await t.core.handlers.getSettings({}))).toEqual(DEFAULT_SETTINGS)
  })

  it('are saved in the profile, announced, and survive a restart and a sign-out', async () => {
    let t = await track(signedInCore('alice'))
    const next = unwrap(
      await t.core.handlers.updateSettings({ language: 'zh-CN', withdrawDisplay: 'silent', theme: 'dark', notifications: false }),
    )
    expect(next).toEqual({ ...DEFAULT_SETTINGS, language: 'zh-CN', withdrawDisplay: 'silent', theme: 'dark', notifications: false })
    expect(t.events.of('settings:changed')).toEqual([{ settings: next }])

    unwrap(await t.core.handlers.signOut({}))
    cores.pop()
    t = await track(t.reopen())
    expect(unwrap(await t.core.handlers.getSettings({}))).toEqual(next)
  })

  it('can be read from a profile without starting a client (the server address at start-up)', async () => {
    const t = await track(openTestCore())
    unwrap(await t.core.handlers.updateSettings({ serverUrl: 'ws://10.0.0.2:7800' }))
    await t.core.close()
    expect(readProfileSettings({ profileDir: t.dir }).serverUrl).toBe('ws://10.0.0.2:7800')
  })

  it('change only what the patch names; the server address can be set and cleared', async () => {
    const t = await track(openTestCore())
    unwrap(await t.core.handlers.updateSettings({ theme: 'light' }))
    expect(unwrap(await t.core.handlers.updateSettings({ serverUrl: 'wss://chat.example.org:7800' }))).toEqual({
      ...DEFAULT_SETTINGS,
      theme: 'light',
      serverUrl: 'wss://chat.example.org:7800',
    })
    expect(unwrap(await t.core.handlers.updateSettings({ serverUrl: null })).serverUrl).toBeNull()
  })

  it('refuse values outside the contract at the bridge', async () => {
    const t = await track(openTestCore())
    for (const bad of [{ theme: 'neon' }, { language: 'fr' }, { serverUrl: 'http://x' }, { serverUrl: 'ws://a/b' }, { colour: 'red' }]) {
      expect(await dispatchInvoke(t.core.handlers, 'updateSettings', bad, () => {})).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      })
    }
    expect(unwrap(await t.core.handlers.getSettings({}))).toEqual(DEFAULT_SETTINGS)
  })

  it('fall back to the default for a stored value this version does not understand', async () => {
    const t = await track(openTestCore())
    writeSettingValue(t.core.testing.db, 'theme', '"sepia"')
    writeSettingValue(t.core.testing.db, 'notifications', 'not json')
    writeSettingValue(t.core.testing.db, 'language', '"en"')
    expect(unwrap(await t.core.handlers.getSettings({}))).toEqual({ ...DEFAULT_SETTINGS, language: 'en' })
  })
})
