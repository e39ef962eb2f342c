import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

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

function run(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn' },
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
