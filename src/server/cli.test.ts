import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startNats } from '../../test/helpers/engines/nats'

const CLI = path.join(import.meta.dirname, 'cli.ts')
let dataDir: string
const children: ChildProcess[] = []

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-'))
})
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', PARLEY_DATABASE_URL: '', PARLEY_NATS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

function firstLine(r: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = /^.*\n/.exec(r.stdout())
      if (line) resolve(line[0])
    }
    r.child.stdout!.on('data', check)
    r.exited.then((code) => reject(new Error(`exited with ${code} before printing: ${r.stderr()}`)))
    check()
  })
}

describe('npm run server', () => {
  it('prints exactly the listening line, serves, and exits 0 on SIGTERM', async () => {
    const server = run(['--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--recall-window-seconds', '30'])
    const line = await firstLine(server)
    const m = /^parley-server listening on ws:\/\/127\.0\.0\.1:(\d+)\n$/.exec(line)
    expect(m, line).not.toBeNull()
    const health = await fetch(`http://127.0.0.1:${m![1]}/v1/health`)
    expect(await health.json()).toEqual({ ok: true })

    // a second server on the same data directory refuses to start
    const rival = run(['--port', '0', '--data', dataDir])
    expect(await rival.exited).toBe(1)
    expect(rival.stdout()).toBe('')
    expect(rival.stderr()).toMatch(/^parley-server: cannot start: .*in use by another process/m)

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.stdout()).toBe(line)
  })

  it('rejects bad arguments with one line on stderr and exit code 2', async () => {
    const bad = run(['--port', 'seventy'])
    expect(await bad.exited).toBe(2)
    expect(bad.stdout()).toBe('')
    expect(bad.stderr()).toMatch(/^parley-server: --port must be a whole number from 0 to 65535, got "seventy" \(see --help\)\n$/)
  })
})

describe('npm run server on cluster engines', () => {
  /** Not a half-started node: exit 1, nothing on stdout, exactly one line on stderr. */
  async function refused(r: Run): Promise<string> {
    expect(await r.exited, r.stderr()).toBe(1)
    expect(r.stdout()).toBe('')
    expect(r.stderr()).toMatch(/^[^\n]*\n$/)
    return r.stderr()
  }

  // the processes run side by side: each spends most of its time starting tsx
  it('refuses bad URLs and unreachable engines with one line on stderr and exit code 1', async () => {
    const nats = await startNats()
    try {
      const [badFlag, badEnv, badNats, noNats, noDatabase] = await Promise.all([
        refused(run(['--port', '0', '--database', 'mysql://u:pw@db/parley'])),
        refused(run(['--port', '0'], { PARLEY_DATABASE_URL: 'not a url' })),
        refused(run(['--port', '0', '--database', 'postgres://127.0.0.1:1/parley', '--nats', 'http://127.0.0.1:4222'])),
        refused(run(['--port', '0', '--database', 'postgres://127.0.0.1:1/parley'], { PARLEY_NATS_URL: 'nats://127.0.0.1:1' })),
        refused(run(['--port', '0', '--database', 'postgres://parley:pw@127.0.0.1:1/parley', '--nats', nats.url])),
      ])
      expect(badFlag).toBe(
        'parley-server: cannot start: --database must be a postgres:// or postgresql:// URL, got "mysql://u:***@db/parley"\n',
      )
      expect(badEnv).toBe(
        'parley-server: cannot start: PARLEY_DATABASE_URL must be a postgres:// or postgresql:// URL, got "not a url"\n',
      )
      expect(badNats).toBe('parley-server: cannot start: --nats must be a nats:// or tls:// URL, got "http://127.0.0.1:4222/"\n')
      expect(noNats).toMatch(/^parley-server: cannot start: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: connection refused/)
      // NATS was up: the node connected to it, then closed that again when the database failed
      expect(noDatabase).toMatch(
        /^parley-server: cannot start: cannot open the PostgreSQL database at postgres:\/\/parley:\*\*\*@127\.0\.0\.1:1\/parley: /,
      )
    } finally {
      await nats.stop()
    }
  })
})
