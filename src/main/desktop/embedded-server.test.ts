import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { useEmbeddedServer } from './embedded-server'

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-embedded-'))
const moduleUrl = new URL('./embedded-server.ts', import.meta.url).href
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** Another Parley instance: owns the embedded server until killed. */
function otherInstance() {
  const script = `const { useEmbeddedServer } = await import(${JSON.stringify(moduleUrl)});
    const s = await useEmbeddedServer(${JSON.stringify(dataDir)});
    console.log(JSON.stringify({ url: s.url, owned: s.owned }));`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const first = new Promise<{ url: string; owned: boolean }>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)))
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)))
  })
  return { child, first }
}

describe('useEmbeddedServer', () => {
  it('joins the server another instance runs, and starts its own once that one is gone', async () => {
    const other = otherInstance()
    const theirs = await other.first
    expect(theirs.owned).toBe(true)

    const joined = await useEmbeddedServer(dataDir)
    expect(joined).toMatchObject({ url: theirs.url, owned: false })
    await joined.close()

    const exited = new Promise((resolve) => other.child.once('exit', resolve))
    other.child.kill('SIGKILL')
    await exited

    const mine = await useEmbeddedServer(dataDir)
    try {
      expect(mine.owned).toBe(true)
      const health = await fetch(`${mine.url.replace(/^ws/, 'http')}/v1/health`)
      expect(health.status).toBe(200)
    } finally {
      await mine.close()
    }
  }, 60_000)
})
