#!/usr/bin/env node
/**
 * Build with electron-vite when out/ is missing or older than any source file; a fast
 * no-op otherwise. All output goes to stderr: `npm run web` keeps stdout for its
 * ready line.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']
const INPUT_FILES = ['electron.vite.config.ts', 'package.json']
const INPUT_DIRS = ['src', 'resources']

function newestMtime(dir) {
  let newest = 0
  if (!existsSync(dir)) return newest
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full))
    // Tests are not part of the build.
    else if (entry.isFile() && !/\.test\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs)
  }
  return newest
}

export function buildIsStale() {
  const outputs = OUTPUTS.map((f) => path.join(root, f))
  if (outputs.some((f) => !existsSync(f))) return 'out/ is missing'
  const oldestOutput = Math.min(...outputs.map((f) => statSync(f).mtimeMs))
  const newestInput = Math.max(
    ...INPUT_FILES.map((f) => statSync(path.join(root, f)).mtimeMs),
    ...INPUT_DIRS.map((d) => newestMtime(path.join(root, d))),
  )
  return newestInput > oldestOutput ? 'sources changed since the last build' : null
}

// Inside out/ (ignored by git); electron-vite only empties out/main, out/preload, out/renderer.
const LOCK = path.join(root, 'out', '.build-lock')
const LOCK_STALE_MS = 5 * 60_000
const LOCK_WAIT_MS = 10 * 60_000

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Two `npm run web` started together must not both write out/: one builds, the other waits. */
function withBuildLock(fn) {
  const deadline = Date.now() + LOCK_WAIT_MS
  mkdirSync(path.dirname(LOCK), { recursive: true })
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > LOCK_STALE_MS) {
        rmSync(LOCK, { recursive: true, force: true })
      } else if (Date.now() > deadline) {
        throw new Error(`another build holds ${LOCK}; remove it if no build is running`, { cause: err })
      } else {
        sleepSync(250)
      }
    }
  }
  try {
    return fn()
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

export function ensureBuild() {
  if (buildIsStale() === null) return
  const status = withBuildLock(() => {
    // Another process may have built while this one waited for the lock.
    const stale = buildIsStale()
    if (stale === null) return 0
    process.stderr.write(`parley: building (${stale})...\n`)
    const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
    return spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 2, 2] }).status ?? 1
  })
  if (status !== 0) {
    process.stderr.write('parley: the build failed (see above)\n')
    process.exit(status)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureBuild()
