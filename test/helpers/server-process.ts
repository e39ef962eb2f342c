/**
 * The real chat server, for the integration and fault tests, as ONE child process
 * (`node --import tsx src/server/cli.ts`, no tsx wrapper process in between), so a test
 * can SIGKILL exactly the server and read its memory from /proc. It is ready when it
 * prints its one stdout line; its stderr is kept for failure reports. Restarts reuse the
 * port and the data directory, so clients reconnect to the same URL and find the same
 * database.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const READY = /^parley-server listening on (ws:\/\/\S+)$/m
/**
 * A start this slow is a hang, not a slow machine: fault runs on a loaded 2-core machine
 * have seen every process stall together for 30 s (disk flushes of other work).
 */
const START_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 10_000
const KEEP_LOG_CHARS = 400_000

export interface ServerProcessOptions {
  dataDir?: string
  /** 0 (the default) picks a free port on the first start; restarts keep it. */
  port?: number
  /** Extra command-line arguments (e.g. `--recall-window-seconds 0`). */
  args?: string[]
  logLevel?: string
  /** Also hands every stderr chunk (JSON log lines) here, e.g. to a flight recorder's file. */
  onLog?: (chunk: string) => void
}

export interface ServerProcess {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly pid: number | null
  readonly running: boolean
  /** How many times it was started. */
  readonly starts: number
  /** stderr of every run so far (JSON log lines). */
  log(): string
  /** Resident memory of the server process, bytes (null when not running). */
  rssBytes(): number | null
  /** SIGKILL: no shutdown code runs, like a power cut for the process. Resolves once it is gone. */
  kill(): Promise<void>
  /** SIGTERM and wait (a clean shutdown). */
  stop(): Promise<void>
  /** Start again, on the same port and data directory. */
  start(): Promise<void>
  /** Stop and delete the data directory if this helper created it. */
  dispose(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export async function launchServer(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const ownsDir = opts.dataDir === undefined
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-test-server-'))
  let child: ChildProcess | null = null
  let logText = ''
  let url = ''
  let port = opts.port ?? 0
  let starts = 0

  async function start(): Promise<void> {
    if (child) throw new Error('the server is already running')
    const args = ['--import', 'tsx', 'src/server/cli.ts', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir]
    const proc = spawn(process.execPath, [...args, ...(opts.args ?? [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PARLEY_LOG_LEVEL: opts.logLevel ?? process.env.PARLEY_LOG_LEVEL ?? 'warn' },
    })
    child = proc
    live.add(proc)
    starts++
    proc.once('exit', () => {
      live.delete(proc)
      if (child === proc) child = null
    })
    proc.stderr!.on('data', (chunk: Buffer) => {
      logText = (logText + chunk.toString()).slice(-KEEP_LOG_CHARS)
      opts.onLog?.(chunk.toString())
    })
    url = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => fail('the server did not print its ready line in time'), START_TIMEOUT_MS)
      const onExit = (code: number | null, signal: string | null) => fail(`the server exited before it was ready (${code ?? signal})`)
      function fail(why: string) {
        clearTimeout(timer)
        proc.kill('SIGKILL')
        reject(new Error(`${why}\n--- server stderr ---\n${logText.slice(-5_000)}`))
      }
      proc.once('exit', onExit)
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const ready = READY.exec(out)
        if (ready) {
          clearTimeout(timer)
          proc.off('exit', onExit)
          resolve(ready[1]!)
        }
      })
    })
    port = Number(new URL(url).port)
  }

  function exited(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => proc.once('exit', () => resolve()))
  }

  async function kill(): Promise<void> {
    const proc = child
    if (!proc) return
    proc.kill('SIGKILL')
    await exited(proc)
  }

  async function stop(): Promise<void> {
    const proc = child
    if (!proc) return
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS)
    proc.kill('SIGTERM')
    await exited(proc)
    clearTimeout(timer)
  }

  await start()
  return {
    get url() {
      return url
    },
    get port() {
      return port
    },
    dataDir,
    get pid() {
      return child?.pid ?? null
    },
    get running() {
      return child !== null
    },
    get starts() {
      return starts
    },
    log: () => logText,
    rssBytes() {
      const pid = child?.pid
      if (pid === undefined) return null
      try {
        const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
        return kb ? Number(kb[1]) * 1024 : null
      } catch {
        return null
      }
    },
    kill,
    stop,
    start,
    async dispose() {
      await stop()
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Log lines at level error (50) or fatal (60), for "the server never failed" checks. */
export function serverErrors(logText: string): string[] {
  return logText.split('\n').filter((line) => /"level":(50|60)\b/.test(line))
}
