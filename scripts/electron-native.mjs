#!/usr/bin/env node
/**
 * Build better-sqlite3 for Electron's ABI into build/electron-native/, beside (never
 * instead of) the Node build in node_modules that the server, the tests and browser
 * mode use. The main process passes the result to better-sqlite3 as `nativeBinding`
 * (src/main/desktop/native.ts checks the stamp written here), and `npm run dist` puts it into
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
// Same layout as src/main/desktop/native.ts.
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

/** Electron's NODE_MODULE_VERSION, which its package records. */
function electronAbi(root) {
  const require = createRequire(path.join(root, 'package.json'))
  return readFileSync(require.resolve('electron/abi_version'), 'utf8').trim()
}

/**
 * The NODE_MODULE_VERSION an addon was compiled for: a context-aware addon such as
 * better-sqlite3 exports `node_register_module_v<N>`, N from the headers it was built with.
 */
function declaredAbi(addon) {
  return /node_register_module_v(\d+)/.exec(readFileSync(addon, 'latin1'))?.[1] ?? null
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
 * npm hands its `nodedir` setting to node-gyp (some machines set it, to compile against
 * the system Node's headers), and node-gyp then builds for that Node, not for Electron.
 * npm drops an empty npm_config_nodedir, so this is cleared the way node-gyp documents
 * for settings of its own, which win over npm's; unset, it fetches Electron's headers.
 */
export const SOURCE_BUILD_ENV = { npm_package_config_node_gyp_nodedir: '' }

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
      env: SOURCE_BUILD_ENV,
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
  const abi = electronAbi(root)
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
      rmSync(output, { force: true })
      const run = await runBounded(step.command, step.args, {
        label: `parley: better-sqlite3 for Electron ${want.electron}, ${step.label}`,
        timeoutMs: step.timeoutMs,
        cwd: copy,
        env: { ...process.env, ...step.env },
        signal,
        stream,
      })
      const produced = run.ok && existsSync(output)
      const built = produced ? declaredAbi(output) : null
      if (produced && built === abi) {
        const { dir, binding, stamp } = electronNativePaths(root)
        mkdirSync(dir, { recursive: true })
        copyFileSync(output, binding)
        writeFileSync(stamp, `${JSON.stringify(want, null, 2)}\n`)
        stream.write(`parley: wrote ${path.relative(root, binding)} for Electron ${want.electron}\n`)
        return { ok: true }
      }
      if (!run.ok) {
        failures.push(`${step.label}: ${run.reason}`)
        if (run.output) stream.write(`${indent(run.output)}\n`)
      } else if (!produced) {
        failures.push(`${step.label}: finished without ${path.join('build', 'Release', BINDING_FILE)}`)
      } else {
        // A build for another ABI (Node's, say) loads in no Electron: refused here, not at the app's first query.
        failures.push(`${step.label}: built for NODE_MODULE_VERSION ${built ?? 'unknown'}, Electron ${want.electron} needs ${abi}`)
      }
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
