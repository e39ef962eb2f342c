import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentTypeFor, resolveStaticFile } from './static-files'

let dir: string
let root: string

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parley-static-'))
  root = path.join(dir, 'renderer')
  mkdirSync(path.join(root, 'assets'), { recursive: true })
  writeFileSync(path.join(root, 'index.html'), '<!doctype html>')
  writeFileSync(path.join(root, 'assets', 'app-1.js'), 'export {}')
  writeFileSync(path.join(dir, 'secret.txt'), 'outside')
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'link.txt'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('resolveStaticFile', () => {
  it('serves index.html for / and files below the root', async () => {
    expect(await resolveStaticFile(root, '/')).toBe(path.join(root, 'index.html'))
    expect(await resolveStaticFile(root, '/assets/app-1.js')).toBe(path.join(root, 'assets', 'app-1.js'))
  })

  it('never leaves the root', async () => {
    for (const attempt of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/link.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
      '/assets',
      '/missing.js',
    ]) {
      expect(await resolveStaticFile(root, attempt), attempt).toBeNull()
    }
  })
})

describe('contentTypeFor', () => {
  it('names the types browsers need and falls back to octet-stream', () => {
    expect(contentTypeFor('a/index.html')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('x.JS')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeFor('x.css')).toBe('text/css; charset=utf-8')
    expect(contentTypeFor('x.woff2')).toBe('font/woff2')
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream')
  })
})
