/**
 * `npm start`'s first-start download of Electron, with Electron's installer replaced by
 * small scripts at the same place (node_modules/electron/install.js of a fixture tree):
 * one that installs, one that fails as it does on a machine without GitHub, one that
 * hangs. Real child processes, so the time limit and the process-group kill are real too.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureElectronBinary, findElectronBinary } from './electron-binary.mjs'

const VERSION = '45.5.0'

const INSTALLERS = {
  // What install.js leaves behind: the binary under dist/ and path.txt naming it.
  success: `
    const fs = require('node:fs'), path = require('node:path')
    fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true })
    fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\n', { mode: 0o755 })
    fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron')
    fs.writeFileSync(path.join(__dirname, 'env.json'), JSON.stringify({ noProgress: process.env.ELECTRON_GET_NO_PROGRESS }))
  `,
  // install.js prints err.stack and exits 1; this is its output where GitHub is unreachable.
  failure: `
    console.error('TypeError: fetch failed')
    console.error('    at node:internal/deps/undici/undici:14976:13')
    console.error('    at async FetchDownloader.download (file:///x/@electron/get/dist/FetchDownloader.js:46:30)')
    process.exit(1)
  `,
  // Hangs, with a child of its own, like a download stuck on a dead connection.
  hang: `
    const { spawn } = require('node:child_process'), fs = require('node:fs'), path = require('node:path')
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    fs.writeFileSync(path.join(__dirname, 'pids.json'), JSON.stringify([process.pid, child.pid]))
    setInterval(() => {}, 1000)
  `,
}

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

function fixture(installer: keyof typeof INSTALLERS): { root: string; pkgDir: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'parley-electron-binary-'))
  roots.push(root)
  const pkgDir = path.join(root, 'node_modules', 'electron')
  mkdirSync(pkgDir, { recursive: true })
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'fixture', private: true }))
  writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: 'electron', version: VERSION }))
  writeFileSync(path.join(pkgDir, 'install.js'), INSTALLERS[installer])
  return { root, pkgDir }
}

function collect(): NodeJS.WritableStream & { text: () => string } {
  let text = ''
  return {
    write(chunk: string) {
      text += chunk
      return true
    },
    text: () => text,
  } as unknown as NodeJS.WritableStream & { text: () => string }
}

/** A killed grandchild is a zombie until init reaps it, which can take seconds; it is dead all the same. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return true
  }
}

/** No ELECTRON_* overrides from the environment the tests run in. */
const env = { PATH: process.env.PATH ?? '' }

describe('findElectronBinary', () => {
  it('names Electron’s installer when only the download is missing', () => {
    const { root, pkgDir } = fixture('success')
    const found = findElectronBinary(root, env)
    expect(found).toMatchObject({ ok: false, version: VERSION, installer: path.join(pkgDir, 'install.js') })
  })

  it('offers no installer for an explicit ELECTRON_EXEC_PATH that does not exist', () => {
    const { root } = fixture('success')
    const found = findElectronBinary(root, { ...env, ELECTRON_EXEC_PATH: '/nowhere/electron' })
    expect(found).toEqual({ ok: false, reason: 'ELECTRON_EXEC_PATH=/nowhere/electron does not exist', version: VERSION })
  })
})

describe('ensureElectronBinary', () => {
  it('runs Electron’s installer when the binary is missing, then finds the binary', async () => {
    const { root, pkgDir } = fixture('success')
    const stream = collect()
    const result = await ensureElectronBinary(root, { env, stream })
    expect(result).toEqual({ ok: true, path: path.join(pkgDir, 'dist', 'electron'), version: VERSION })
    // Its own progress bar is off (it would have no terminal); ours says what is happening.
    expect(JSON.parse(readFileSync(path.join(pkgDir, 'env.json'), 'utf8'))).toEqual({ noProgress: '1' })
    expect(stream.text()).toMatch(/^parley: downloading Electron 45\.5\.0 for the first start \(at most 10 min\)…\n/)
    expect(stream.text()).toMatch(/for the first start: done, after \d+ s\n$/)
  })

  it('does not run the installer when the binary is there', async () => {
    const { root, pkgDir } = fixture('failure')
    mkdirSync(path.join(pkgDir, 'dist'))
    writeFileSync(path.join(pkgDir, 'dist', 'electron'), '')
    writeFileSync(path.join(pkgDir, 'path.txt'), 'electron')
    const stream = collect()
    expect(await ensureElectronBinary(root, { env, stream })).toMatchObject({ ok: true })
    expect(stream.text()).toBe('')
  })

  it('reports the installer’s own error and where it downloads from when it fails', async () => {
    const { root } = fixture('failure')
    const stream = collect()
    const result = await ensureElectronBinary(root, { env, stream })
    expect(result).toEqual({
      ok: false,
      version: VERSION,
      reason:
        "Electron's installer (node_modules/electron/install.js) failed: TypeError: fetch failed (exit code 1); " +
        'it downloads from GitHub (ELECTRON_MIRROR names a mirror)',
    })
    expect(stream.text()).toMatch(/: failed: TypeError: fetch failed \(exit code 1\), after \d+ s\n$/)
  })

  it('stops an installer that outlives its time limit, with everything it started', async () => {
    const { root, pkgDir } = fixture('hang')
    const stream = collect()
    const result = await ensureElectronBinary(root, { env, stream, timeoutMs: 500 })
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('failed: did not finish within 1 s') })
    const pids = JSON.parse(readFileSync(path.join(pkgDir, 'pids.json'), 'utf8')) as number[]
    for (const pid of pids) await expect.poll(() => alive(pid)).toBe(false)
    expect(existsSync(path.join(pkgDir, 'path.txt'))).toBe(false)
  })

  it('stops the installer when npm start is interrupted', async () => {
    const { root, pkgDir } = fixture('hang')
    const interrupt = new AbortController()
    const pending = ensureElectronBinary(root, { env, stream: collect(), signal: interrupt.signal })
    await expect.poll(() => existsSync(path.join(pkgDir, 'pids.json'))).toBe(true)
    interrupt.abort()
    expect(await pending).toMatchObject({ ok: false, reason: expect.stringContaining('was interrupted') })
    const pids = JSON.parse(readFileSync(path.join(pkgDir, 'pids.json'), 'utf8')) as number[]
    for (const pid of pids) await expect.poll(() => alive(pid)).toBe(false)
  })
})
