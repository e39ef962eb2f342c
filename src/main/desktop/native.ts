/**
 * better-sqlite3 in node_modules is compiled for Node's ABI (the server, the tests and
 * browser mode use it). Electron's main process needs a build for Electron's ABI;
 * `scripts/electron-native.mjs` makes one in `build/electron-native/` with a stamp
 * saying what it was built for, and this module hands it to better-sqlite3 as
 * `nativeBinding` only when the stamp matches the running Electron.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const ELECTRON_NATIVE_DIR = path.join('build', 'electron-native')
export const BINDING_FILE = 'better_sqlite3.node'
export const STAMP_FILE = 'stamp.json'

export interface NativeStamp {
  electron: string
  platform: string
  arch: string
  betterSqlite3: string
}

export type NativeBindingLookup =
  | { ok: true; path: string }
  | { ok: false; reason: string }

/** `running`: the Electron running now and the better-sqlite3 JavaScript it will load the addon with. */
export function findElectronNativeBinding(appRoot: string, running: NativeStamp): NativeBindingLookup {
  const dir = path.join(appRoot, ELECTRON_NATIVE_DIR)
  const binding = path.join(dir, BINDING_FILE)
  if (!existsSync(binding)) {
    return { ok: false, reason: `no Electron build of better-sqlite3 at ${binding} (run: node scripts/electron-native.mjs)` }
  }
  let stamp: Partial<NativeStamp>
  try {
    stamp = JSON.parse(readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as Partial<NativeStamp>
  } catch {
    return { ok: false, reason: `${binding} has no readable ${STAMP_FILE}; rebuild it` }
  }
  for (const key of ['electron', 'platform', 'arch', 'betterSqlite3'] as const) {
    if (stamp[key] !== running[key]) {
      return { ok: false, reason: `${binding} was built for ${key} ${String(stamp[key])}, running ${running[key]}; rebuild it` }
    }
  }
  return { ok: true, path: binding }
}
