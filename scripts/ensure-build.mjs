#!/usr/bin/env node
/**
 * Build with electron-vite when out/ is missing or older than any source file; a fast
 * no-op otherwise. All output goes to stderr: `npm run web` keeps stdout for its
 * ready line.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
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

export function ensureBuild() {
  const stale = buildIsStale()
  if (stale === null) return
  process.stderr.write(`parley: building (${stale})...\n`)
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
  if (result.status !== 0) {
    process.stderr.write('parley: the build failed (see above)\n')
    process.exit(result.status ?? 1)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureBuild()
