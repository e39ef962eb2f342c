/**
 * The real chat server, as a child process: `tsx src/server/cli.ts --port 0 --data DIR`,
 * ready when it prints its one stdout line. Its stderr is kept for failure reports.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const TSX_CLI = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs')
const READY = /^parley-server listening on (ws:\/\/\S+)$/m
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const KEEP_LOG_CHARS = 200_000

export interface ServerOptions {
  dataDir?: string
  /** 0 (the default) picks a free port. */
  port?: number
  recallWindowSeconds?: number
}

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly running: boolean
  /** stderr of every run so far (the server's logs). */
  log(): string
  stop(): Promise<void>
  /** Start again on the same port and data directory. */
  restart(): Promise<void>
  /** Stop and delete the data directory. */
  dispose(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL')
})

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const ownsDir = opts.dataDir === undefined
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-it-server-'))
  let logText = ''
  let child: ChildProcess | null = null
  let url = ''
  let port = opts.port ?? 0

  async function launch(): Promise<void> {
    const args = [TSX_CLI, 'src/server/cli.ts', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir]
    if (opts.recallWindowSeconds !== undefined) args.push('--recall-window-seconds', String(opts.recallWindowSeconds))
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      // Its own process group: stop() ends tsx and the node process it runs, and nothing else.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'info' },
    })
    child = proc
    live.add(proc)
    proc.stderr!.on('data', (chunk: Buffer) => {
      logText = (logText + chunk.toString()).slice(-KEEP_LOG_CHARS)
    })
    url = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => fail(new Error('the server did not print its ready line in time')), START_TIMEOUT_MS)
      const fail = (err: Error) => {
        clearTimeout(timer)
        killGroup(proc, 'SIGKILL')
        reject(new Error(`${err.message}\n--- server stderr ---\n${logText.slice(-5_000)}`))
      }
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const ready = READY.exec(out)
        if (ready) {
          clearTimeout(timer)
          resolve(ready[1]!)
        }
      })
      proc.once('exit', (code, signal) => fail(new Error(`the server exited before it was ready (${code ?? signal})`)))
    })
    port = Number(new URL(url).port)
    proc.once('exit', () => live.delete(proc))
  }

  async function stop(): Promise<void> {
    const proc = child
    child = null
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), STOP_TIMEOUT_MS)
      proc.once('exit', () => {
        clearTimeout(timer)
        live.delete(proc)
        resolve()
      })
      killGroup(proc, 'SIGTERM')
    })
  }

  await launch()
  return {
    get url() {
      return url
    },
    get port() {
      return port
    },
    dataDir,
    get running() {
      return child !== null
    },
    log: () => logText,
    stop,
    async restart() {
      await stop()
      await launch()
    },
    async dispose() {
      await stop()
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return
  try {
    process.kill(-proc.pid, signal)
  } catch {
    // already gone
  }
}
