/**
 * electron-builder cannot build a package here (it downloads Electron while it builds), so
 * its configuration is checked for structure: the targets the project promises, the app
 * files electron-vite builds, the native module unpacked, and every referenced file present.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const require = createRequire(import.meta.url)

interface Target {
  target: string[]
  icon?: string
}
interface BuilderConfig {
  appId: string
  productName: string
  directories: { output: string; buildResources: string }
  files: string[]
  extraResources: Array<{ from: string; to: string }>
  asar: boolean
  asarUnpack: string[]
  npmRebuild: boolean
  artifactName: string
  linux: Target & { category: string; executableName: string }
  mac: Target & { category: string }
  win: Target
  nsis: { oneClick: boolean }
  deb: { depends: string[] }
}

const config = require(path.join(root, 'electron-builder.config.cjs')) as BuilderConfig
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string
  dependencies: Record<string, string>
  scripts: Record<string, string>
}

/** electron-builder's `files` globs, as far as this config uses them: `dir/**\/*` and exact names. */
function included(file: string, patterns: string[]): boolean {
  let hit = false
  for (const p of patterns) {
    const negated = p.startsWith('!')
    const glob = negated ? p.slice(1) : p
    const source = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('**/', '\u0001')
      .replaceAll('*', '[^/]*')
      .replaceAll('\u0001', '(?:.*/)?')
    const re = new RegExp(`^${source}$`)
    if (re.test(file)) hit = !negated
  }
  return hit
}

describe('electron-builder configuration', () => {
  it('names the app', () => {
    expect(config.appId).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+){2,}$/)
    expect(config.productName).toBe('Parley')
    expect(config.artifactName).toContain('${version}')
  })

  it('builds AppImage and deb, dmg, and NSIS', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']))
    expect(config.mac.target).toContain('dmg')
    expect(config.win.target).toContain('nsis')
    expect(config.nsis.oneClick).toBe(false)
    expect(config.deb.depends.length).toBeGreaterThan(0)
    expect(config.mac.category).toMatch(/^public\.app-category\./)
  })

  it('packs what electron-vite builds, starting at package.json main', () => {
    expect(included(pkg.main, config.files)).toBe(true)
    expect(included('out/preload/index.cjs', config.files)).toBe(true)
    expect(included('out/renderer/index.html', config.files)).toBe(true)
    expect(included('package.json', config.files)).toBe(true)
    expect(included('out/main/index.js.map', config.files)).toBe(false)
    expect(included('src/main/electron/index.ts', config.files)).toBe(false)
  })

  it('keeps the native database module out of the asar archive and packs its Electron build', () => {
    expect(pkg.dependencies).toHaveProperty('better-sqlite3')
    expect(config.asar).toBe(true)
    expect(config.asarUnpack.some((p) => p.startsWith('node_modules/better-sqlite3/'))).toBe(true)
    // scripts/electron-native.mjs's build, not electron-builder's in-place rebuild of node_modules.
    expect(config.npmRebuild).toBe(false)
    for (const file of ['build/electron-native/better_sqlite3.node', 'build/electron-native/stamp.json']) {
      expect(included(file, config.files), file).toBe(true)
      expect(included(file, config.asarUnpack), file).toBe(true)
    }
  })

  it('refers only to files that exist', () => {
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) {
      expect(icon && existsSync(path.join(root, icon)), String(icon)).toBe(true)
    }
    expect(existsSync(path.join(root, config.directories.buildResources))).toBe(true)
    for (const r of config.extraResources) expect(existsSync(path.join(root, r.from)), r.from).toBe(true)
  })

  it('is what `npm run dist` builds with, after building the app and better-sqlite3 for Electron', () => {
    expect(pkg.scripts.dist).toMatch(
      /^electron-vite build && node scripts\/electron-native\.mjs && electron-builder --config electron-builder\.config\.cjs$/,
    )
  })

  it('writes packages where git ignores them', () => {
    const ignored = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n').map((l) => l.trim())
    expect(ignored).toContain(`${config.directories.output}/`)
  })
})
