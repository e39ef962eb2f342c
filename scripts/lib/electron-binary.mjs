/**
 * Where the Electron executable is, without side effects. `require('electron')`
 * would try to download the binary when it is missing (node_modules/electron/index.js
 * runs install.js); here the download is denied by package.json `allowScripts`, so
 * this mirrors its lookup and reports why there is no binary instead.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * @param {string} repoRoot
 * @returns {{ ok: true, path: string, version: string } | { ok: false, reason: string, version: string | null }}
 */
export function findElectronBinary(repoRoot) {
  let pkgDir
  let version = null
  try {
    const require = createRequire(path.join(repoRoot, 'package.json'))
    pkgDir = path.dirname(require.resolve('electron/package.json'))
    version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version
  } catch {
    return { ok: false, reason: 'the electron package is not installed (npm install)', version }
  }
  if (process.env.ELECTRON_EXEC_PATH) {
    const explicit = process.env.ELECTRON_EXEC_PATH
    return existsSync(explicit)
      ? { ok: true, path: explicit, version }
      : { ok: false, reason: `ELECTRON_EXEC_PATH=${explicit} does not exist`, version }
  }
  const pathFile = path.join(pkgDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const full = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    return existsSync(full)
      ? { ok: true, path: full, version }
      : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no ${full}`, version }
  }
  if (relative === null) {
    return {
      ok: false,
      reason:
        'node_modules/electron has no binary (package.json allowScripts denies its download, or the download failed); ' +
        'set ELECTRON_EXEC_PATH to an Electron executable to use one',
      version,
    }
  }
  const full = path.join(pkgDir, 'dist', relative)
  return existsSync(full)
    ? { ok: true, path: full, version }
    : { ok: false, reason: `the Electron binary ${full} is missing`, version }
}
