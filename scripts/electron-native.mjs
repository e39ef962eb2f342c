#!/usr/bin/env node
/**
 * Build better-sqlite3 for Electron's ABI into build/electron-native/, beside (never
 * instead of) the Node build in node_modules that the server, the tests and browser
 * mode use. The main process passes the result to better-sqlite3 as `nativeBinding`
 * (src/main/native.ts checks the stamp written here).
 *
 *   node scripts/electron-native.mjs [--force]
 *
 * Tries a prebuilt binary first (prebuild-install, from better-sqlite3's GitHub
 * releases), then a source build against Electron's headers (node-gyp). Both need
 * the network; neither touches node_modules/better-sqlite3.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// Same layout as src/main/native.ts.
const OUT_DIR = path.join(root, 'build', 'electron-native')
const BINDING = path.join(OUT_DIR, 'better_sqlite3.node')
const STAMP = path.join(OUT_DIR, 'stamp.json')

const require = createRequire(path.join(root, 'package.json'))
const readVersion = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version

export function wantedStamp() {
  return {
    electron: readVersion('electron'),
    platform: process.platform,
    arch: process.arch,
    betterSqlite3: readVersion('better-sqlite3'),
  }
}

export function electronNativeIsCurrent() {
  if (!existsSync(BINDING) || !existsSync(STAMP)) return false
  try {
    const have = JSON.parse(readFileSync(STAMP, 'utf8'))
    const want = wantedStamp()
    return Object.keys(want).every((k) => have[k] === want[k])
  } catch {
    return false
  }
}

function run(label, command, args, cwd) {
  process.stderr.write(`electron-native: ${label}: ${command} ${args.join(' ')}\n`)
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 2, 2], env: process.env })
  return result.status === 0
}

/** @returns {boolean} whether build/electron-native now holds a current build */
export function buildElectronNative({ force = false } = {}) {
  if (!force && electronNativeIsCurrent()) {
    process.stderr.write('electron-native: up to date\n')
    return true
  }
  const want = wantedStamp()
  const source = path.dirname(require.resolve('better-sqlite3/package.json'))
  const work = mkdtempSync(path.join(os.tmpdir(), 'parley-electron-native-'))
  const copy = path.join(work, 'better-sqlite3')
  try {
    // A private copy: rebuilding in place would replace the Node build everything else needs.
    cpSync(source, copy, { recursive: true, filter: (src) => !src.startsWith(path.join(source, 'build')) })
    const prebuildInstall = require.resolve('prebuild-install/bin.js')
    const target = ['--runtime', 'electron', '--target', want.electron, '--arch', want.arch, '--platform', want.platform]
    const built =
      run('prebuilt binary', process.execPath, [prebuildInstall, ...target, '--verbose'], copy) ||
      run('source build', 'npx', [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${want.electron}`,
        `--arch=${want.arch}`,
        '--dist-url=https://electronjs.org/headers',
      ], copy)
    const output = path.join(copy, 'build', 'Release', 'better_sqlite3.node')
    if (!built || !existsSync(output)) {
      process.stderr.write('electron-native: could not build better-sqlite3 for Electron (see above)\n')
      return false
    }
    mkdirSync(OUT_DIR, { recursive: true })
    copyFileSync(output, BINDING)
    writeFileSync(STAMP, `${JSON.stringify(want, null, 2)}\n`)
    process.stderr.write(`electron-native: wrote ${path.relative(root, BINDING)} for Electron ${want.electron}\n`)
    return true
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(buildElectronNative({ force: process.argv.includes('--force') }) ? 0 : 1)
}
