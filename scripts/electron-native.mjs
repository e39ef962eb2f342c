#!/usr/bin/env node
/**
 * Build better-sqlite3 for Electron's ABI into build/electron-native/, beside (never
 * instead of) the Node build in node_modules that the server, the tests and browser
 * mode use. The main process passes the result to better-sqlite3 as `nativeBinding`
 * (src/main/native.ts checks the stamp written here), and `npm run dist` puts it into
 * the package (scripts/electron-builder-after-pack.cjs).
 *
 *   node scripts/electron-native.mjs [--force]
 *
 * Tries a prebuilt binary first (prebuild-install, from better-sqlite3's GitHub
 * releases), then a source build against Electron's headers (node-gyp). Both need
 * the network, each is bounded in time; neither touches node_modules/better-sqlite3.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runBounded } from './lib/bounded-run.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Same layout as src/main/native.ts.
const OUT_DIR = path.join('build', 'electron-native')
const BINDING_FILE = 'better_sqlite3.node'
const STAMP_FILE = 'stamp.json'

/** A prebuilt binary is one small download. */
export const PREBUILT_TIMEOUT_MS = 2 * 60_000
/** Headers download plus a compile of SQLite: about 70 s on two cores, much longer on slow ones. */
export const SOURCE_BUILD_TIMEOUT_MS = 15 * 60_000

export function electronNativePaths(root = ROOT) {
  const dir = path.join(root, OUT_DIR)
  return { dir, binding: path.join(dir, BINDING_FILE), stamp: path.join(dir, STAMP_FILE) }
}

/** What the build in build/electron-native must have been made for. */
export function wantedStamp(root = ROOT) {
  const require = createRequire(path.join(root, 'package.json'))
  const readVersion = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version
  return {
    electron: readVersion('electron'),
    platform: process.platform,
    arch: process.arch,
    betterSqlite3: readVersion('better-sqlite3'),
  }
}

export function electronNativeIsCurrent(root = ROOT) {
  const { binding, stamp } = electronNativePaths(root)
  if (!existsSync(binding) || !existsSync(stamp)) return false
  try {
    const have = JSON.parse(readFileSync(stamp, 'utf8'))
    const want = wantedStamp(root)
    return Object.keys(want).every((k) => have[k] === want[k])
  } catch {
    return false
  }
}

/**
 * The ways to a binary, tried in order, each run in `copy` (a private copy of
 * better-sqlite3) and expected to leave build/Release/better_sqlite3.node there.
 *
 * @param {{ electron: string, arch: string, platform: string }} want
 * @param {string} _copy
 * @param {string} source the installed better-sqlite3, whose dependencies the copy lacks
 */
export function defaultSteps(want, _copy, source) {
  const require = createRequire(path.join(source, 'package.json'))
  return [
    {
      label: 'prebuilt binary',
      command: process.execPath,
      args: [
        require.resolve('prebuild-install/bin.js'),
        ...['--runtime', 'electron', '--target', want.electron, '--arch', want.arch, '--platform', want.platform],
        '--verbose',
      ],
      timeoutMs: PREBUILT_TIMEOUT_MS,
    },
    {
      label: 'source build',
      command: process.platform === 'win32' ? 'npx.cmd' : 'npx',
      args: [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${want.electron}`,
        `--arch=${want.arch}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      timeoutMs: SOURCE_BUILD_TIMEOUT_MS,
    },
  ]
}

/**
 * @param {{
 *   root?: string,
 *   force?: boolean,
 *   steps?: typeof defaultSteps,
 *   signal?: AbortSignal,
 *   stream?: NodeJS.WritableStream & { isTTY?: boolean },
 * }} [options]
 * @returns {Promise<{ ok: true } | { ok: false, reason: string }>} whether build/electron-native now holds a current build
 */
export async function buildElectronNative({ root = ROOT, force = false, steps = defaultSteps, signal, stream = process.stderr } = {}) {
  if (!force && electronNativeIsCurrent(root)) return { ok: true }
  const want = wantedStamp(root)
  const require = createRequire(path.join(root, 'package.json'))
  const source = path.dirname(require.resolve('better-sqlite3/package.json'))
  const work = mkdtempSync(path.join(os.tmpdir(), 'parley-electron-native-'))
  const copy = path.join(work, 'better-sqlite3')
  const failures = []
  try {
    // A private copy: rebuilding in place would replace the Node build everything else needs.
    cpSync(source, copy, { recursive: true, filter: (src) => !src.startsWith(path.join(source, 'build')) })
    const output = path.join(copy, 'build', 'Release', BINDING_FILE)
    for (const step of steps(want, copy, source)) {
      const run = await runBounded(step.command, step.args, {
        label: `parley: better-sqlite3 for Electron ${want.electron}, ${step.label}`,
        timeoutMs: step.timeoutMs,
        cwd: copy,
        signal,
        stream,
      })
      if (run.ok && existsSync(output)) {
        const { dir, binding, stamp } = electronNativePaths(root)
        mkdirSync(dir, { recursive: true })
        copyFileSync(output, binding)
        writeFileSync(stamp, `${JSON.stringify(want, null, 2)}\n`)
        stream.write(`parley: wrote ${path.relative(root, binding)} for Electron ${want.electron}\n`)
        return { ok: true }
      }
      failures.push(`${step.label}: ${run.ok ? `finished without ${path.join('build', 'Release', BINDING_FILE)}` : run.reason}`)
      if (!run.ok && run.output) stream.write(`${indent(run.output)}\n`)
      if (signal?.aborted) break
    }
    return { ok: false, reason: failures.join('; ') }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await buildElectronNative({ force: process.argv.includes('--force') })
  if (!result.ok) process.stderr.write(`electron-native: could not build better-sqlite3 for Electron: ${result.reason}\n`)
  else process.stderr.write('electron-native: build/electron-native is current\n')
  process.exit(result.ok ? 0 : 1)
}
