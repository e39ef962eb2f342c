/**
 * The Electron build of better-sqlite3 that `npm start` makes on the first start, with
 * the two real ways to it (prebuild-install, node-gyp) replaced by small scripts: the
 * order they are tried in, the stamp, the time limit, and that the Node build in
 * node_modules is never touched.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SOURCE_BUILD_ENV, buildElectronNative, electronNativeIsCurrent, electronNativePaths, type BuildStep } from './electron-native.mjs'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

function fixture(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'parley-electron-native-'))
  roots.push(root)
  const modules = path.join(root, 'node_modules')
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'fixture', private: true }))
  mkdirSync(path.join(modules, 'electron'), { recursive: true })
  writeFileSync(path.join(modules, 'electron', 'package.json'), JSON.stringify({ name: 'electron', version: '45.5.0' }))
  writeFileSync(path.join(modules, 'electron', 'abi_version'), '150')
  // better-sqlite3 as installed: with its Node build, which must stay as it is.
  mkdirSync(path.join(modules, 'better-sqlite3', 'build', 'Release'), { recursive: true })
  writeFileSync(path.join(modules, 'better-sqlite3', 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }))
  writeFileSync(path.join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'node build')
  return root
}

const quiet = { write: () => true } as unknown as NodeJS.WritableStream

/** A step that runs `code` with node in the private copy of better-sqlite3. */
function step(label: string, code: string, timeoutMs = 30_000): BuildStep {
  return { label, command: process.execPath, args: ['-e', code], timeoutMs }
}
/** An addon names the NODE_MODULE_VERSION it was built for in its registration symbol. */
const writesBinary = (abi: number) => `
  const fs = require('node:fs')
  fs.mkdirSync('build/Release', { recursive: true })
  fs.writeFileSync('build/Release/better_sqlite3.node', 'addon\\0node_register_module_v${abi}\\0')
`
const WRITES_BINARY = writesBinary(150)
const FAILS = `console.error('prebuild-install warn install getaddrinfo ENOTFOUND github.com'); process.exit(1)`
/** node-gyp where electronjs.org is unreachable: its message spread over prefixed lines, then noise. */
const GYP_FAILS = `console.error(${JSON.stringify(
  [
    'gyp http GET https://electronjs.org/headers/v45.5.0/node-v45.5.0-headers.tar.gz',
    '(node:9435) [UNDICI-EHPA] Warning: EnvHttpProxyAgent is experimental, expect them to change at any time.',
    'gyp ERR! configure error ',
    'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and',
    'gyp ERR! stack is related to network connectivity.',
    'gyp ERR! stack at go (/x/node-gyp/lib/install.js:244:21)',
    'gyp ERR! not ok ',
    'npm notice New minor version of npm available!',
  ].join('\n'),
)}); process.exit(1)`

describe('buildElectronNative', () => {
  it('falls back to the source build when there is no prebuilt binary, and stamps the result', async () => {
    const root = fixture()
    const tried: string[] = []
    const result = await buildElectronNative({
      root,
      stream: quiet,
      steps: (want, copy) => {
        expect(want).toEqual({ electron: '45.5.0', platform: process.platform, arch: process.arch, betterSqlite3: '12.11.1' })
        expect(path.basename(copy)).toBe('better-sqlite3')
        tried.push('steps')
        return [
          step('prebuilt binary', FAILS),
          step('source build', `if (require('node:fs').existsSync('build')) process.exit(3)\n${WRITES_BINARY}`),
        ]
      },
    })
    expect(result).toEqual({ ok: true })
    const { binding, stamp } = electronNativePaths(root)
    expect(readFileSync(binding, 'latin1')).toContain('node_register_module_v150')
    expect(JSON.parse(readFileSync(stamp, 'utf8'))).toMatchObject({ electron: '45.5.0', betterSqlite3: '12.11.1' })
    expect(electronNativeIsCurrent(root)).toBe(true)
    expect(readFileSync(path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), 'utf8')).toBe('node build')

    // Current: nothing runs again.
    expect(await buildElectronNative({ root, stream: quiet, steps: () => [step('would fail', FAILS)] })).toEqual({ ok: true })
    expect(tried).toEqual(['steps'])
  })

  it('says why each way failed when none works', async () => {
    const root = fixture()
    const result = await buildElectronNative({
      root,
      stream: quiet,
      steps: () => [step('prebuilt binary', FAILS), step('source build', GYP_FAILS)],
    })
    expect(result).toEqual({
      ok: false,
      reason:
        'prebuilt binary: prebuild-install warn install getaddrinfo ENOTFOUND github.com (exit code 1); ' +
        'source build: Error: This is most likely not a problem with node-gyp or the package itself and ' +
        'is related to network connectivity. (exit code 1)',
    })
    expect(existsSync(electronNativePaths(root).binding)).toBe(false)
  })

  it('gives up on a step that outlives its time limit and tries the next', async () => {
    const root = fixture()
    const result = await buildElectronNative({
      root,
      stream: quiet,
      steps: () => [step('prebuilt binary', 'setInterval(() => {}, 1000)', 300), step('source build', WRITES_BINARY)],
    })
    expect(result).toEqual({ ok: true })
  })

  it('refuses a build for another ABI, as node-gyp makes when npm points it at Node’s headers', async () => {
    const root = fixture()
    const steps = (): BuildStep[] => [step('source build', writesBinary(115))]
    expect(await buildElectronNative({ root, stream: quiet, steps })).toEqual({
      ok: false,
      reason: 'source build: built for NODE_MODULE_VERSION 115, Electron 45.5.0 needs 150',
    })
    expect(existsSync(electronNativePaths(root).binding)).toBe(false)
  })

  it('has node-gyp ignore npm’s nodedir setting, which would make it build for Node', async () => {
    const root = fixture()
    const saved = process.env.npm_config_nodedir
    process.env.npm_config_nodedir = '/usr'
    try {
      const check = `if (process.env.npm_package_config_node_gyp_nodedir !== '') process.exit(4)\n${WRITES_BINARY}`
      const result = await buildElectronNative({
        root,
        stream: quiet,
        steps: () => [{ ...step('source build', check), env: SOURCE_BUILD_ENV }],
      })
      expect(result).toEqual({ ok: true })
    } finally {
      if (saved === undefined) delete process.env.npm_config_nodedir
      else process.env.npm_config_nodedir = saved
    }
  })

  it('reports a step that succeeds without producing the binary', async () => {
    const root = fixture()
    const result = await buildElectronNative({ root, stream: quiet, steps: () => [step('source build', '')] })
    expect(result).toEqual({ ok: false, reason: `source build: finished without ${path.join('build', 'Release', 'better_sqlite3.node')}` })
  })
})
