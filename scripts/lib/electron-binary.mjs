/**
 * Where the Electron executable is, and getting it there.
 *
 * Since Electron 41 the npm package holds no binary until something downloads it:
 * `require('electron')` runs node_modules/electron/install.js on first use (package.json
 * `allowScripts` denies the same script at install time, so `npm install` never
 * downloads it). `findElectronBinary` mirrors that lookup without side effects (the e2e
 * config uses it to skip the electron project); `ensureElectronBinary` is what
 * `npm start` uses: when only the download is missing, it runs Electron's own installer,
 * bounded in time and with a progress line, and reports why when that fails.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { runBounded } from './bounded-run.mjs'

/** A first download is ~100 MB; past this the connection is too slow to wait for. */
export const ELECTRON_INSTALL_TIMEOUT_MS = 10 * 60_000

/**
 * @param {string} repoRoot
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {import('./electron-binary.d.mts').ElectronBinary}
 */
export function findElectronBinary(repoRoot, env = process.env) {
  let pkgDir
  let version = null
  try {
    const require = createRequire(path.join(repoRoot, 'package.json'))
    pkgDir = path.dirname(require.resolve('electron/package.json'))
    version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version
  } catch {
    return { ok: false, reason: 'the electron package is not installed (npm install)', version }
  }
  if (env.ELECTRON_EXEC_PATH) {
    const explicit = env.ELECTRON_EXEC_PATH
    return existsSync(explicit)
      ? { ok: true, path: explicit, version }
      : { ok: false, reason: `ELECTRON_EXEC_PATH=${explicit} does not exist`, version }
  }
  const pathFile = path.join(pkgDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const full = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    return existsSync(full)
      ? { ok: true, path: full, version }
      : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no ${full}`, version }
  }
  // Electron's own installer, the one `npx install-electron` runs.
  const installer = path.join(pkgDir, 'install.js')
  if (relative === null) {
    return {
      ok: false,
      reason:
        'node_modules/electron has no binary yet (Electron downloads it on first use; package.json allowScripts ' +
        'keeps npm install from doing it); run `npx install-electron`, or set ELECTRON_EXEC_PATH to an Electron executable',
      version,
      installer,
    }
  }
  const full = path.join(pkgDir, 'dist', relative)
  return existsSync(full)
    ? { ok: true, path: full, version }
    : { ok: false, reason: `the Electron binary ${full} is missing`, version, installer }
}

/**
 * The Electron binary, downloaded first by Electron's installer when that is all that is
 * missing. An explicit ELECTRON_EXEC_PATH or ELECTRON_OVERRIDE_DIST_PATH that points
 * nowhere is reported, not worked around.
 *
 * @param {string} repoRoot
 * @param {{ timeoutMs?: number, env?: NodeJS.ProcessEnv, signal?: AbortSignal, stream?: NodeJS.WritableStream & { isTTY?: boolean } }} [options]
 * @returns {Promise<import('./electron-binary.d.mts').ElectronBinary>}
 */
export async function ensureElectronBinary(repoRoot, { timeoutMs = ELECTRON_INSTALL_TIMEOUT_MS, env = process.env, signal, stream } = {}) {
  const found = findElectronBinary(repoRoot, env)
  if (found.ok || !found.installer) return found
  const run = await runBounded(process.execPath, [found.installer], {
    label: `parley: downloading Electron ${found.version} for the first start`,
    timeoutMs,
    cwd: repoRoot,
    // Its own progress bar needs a terminal it does not have here; the line above replaces it.
    env: { ...env, ELECTRON_GET_NO_PROGRESS: '1' },
    signal,
    stream,
  })
  if (!run.ok) {
    const installer = path.relative(repoRoot, found.installer)
    // The installer's own message is often just "fetch failed"; say where it fetches from.
    const source = env.ELECTRON_MIRROR ? `ELECTRON_MIRROR=${env.ELECTRON_MIRROR}` : 'GitHub (ELECTRON_MIRROR names a mirror)'
    return {
      ok: false,
      reason:
        run.reason === 'interrupted'
          ? `Electron's installer (${installer}) was interrupted`
          : `Electron's installer (${installer}) failed: ${run.reason}; it downloads from ${source}`,
      version: found.version,
    }
  }
  const after = findElectronBinary(repoRoot, env)
  return after.ok
    ? after
    : { ok: false, reason: `Electron's installer finished but ${after.reason}`, version: found.version }
}
