import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BINDING_FILE, ELECTRON_NATIVE_DIR, STAMP_FILE, findElectronNativeBinding } from './native'

const running = { electron: '45.5.0', platform: 'linux', arch: 'x64', betterSqlite3: '12.11.1' }
let appRoot: string

beforeEach(() => {
  appRoot = mkdtempSync(path.join(os.tmpdir(), 'parley-native-'))
})
afterEach(() => rmSync(appRoot, { recursive: true, force: true }))

function writeBuild(stamp: object): string {
  const dir = path.join(appRoot, ELECTRON_NATIVE_DIR)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, BINDING_FILE), 'not really an addon')
  writeFileSync(path.join(dir, STAMP_FILE), JSON.stringify(stamp))
  return path.join(dir, BINDING_FILE)
}

describe('findElectronNativeBinding', () => {
  it('explains how to build it when it is missing', () => {
    const found = findElectronNativeBinding(appRoot, running)
    expect(found.ok).toBe(false)
    expect(!found.ok && found.reason).toMatch(/electron-native\.mjs/)
  })

  it('uses a build whose stamp matches the running Electron', () => {
    const binding = writeBuild(running)
    expect(findElectronNativeBinding(appRoot, running)).toEqual({ ok: true, path: binding })
  })

  it('ignores a build for another Electron', () => {
    writeBuild({ ...running, electron: '44.0.0' })
    const found = findElectronNativeBinding(appRoot, running)
    expect(!found.ok && found.reason).toMatch(/electron 44\.0\.0, running 45\.5\.0/)
  })

  it('ignores a build for another better-sqlite3', () => {
    writeBuild({ ...running, betterSqlite3: '12.0.0' })
    expect(findElectronNativeBinding(appRoot, running).ok).toBe(false)
  })
})
