/**
 * Real processes for the e2e suite: a chat server and browser-mode hosts, started the
 * way a user or a script starts them (the public seams), their output kept so a
 * failing test can attach it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_READY, WEB_READY, waitForReadyLine } from '../scripts/lib/ready-line.mjs'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))

const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `parley-e2e-${prefix}-`))
}

/** Everything a process wrote, stdout and stderr interleaved, for attachments. */
export class ProcessLog {
  private readonly chunks: string[] = []
  append(text: string): void {
    this.chunks.push(text)
  }
  text(): string {
    return this.chunks.join('')
  }
  get length(): number {
    return this.text().length
  }
}

/** `node --import tsx SCRIPT ...`: one process, so a signal reaches the program itself. */
export function spawnTs(script: string, args: readonly string[], log: ProcessLog): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'debug' },
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => log.append(chunk))
  return child
}

export function waitForLine(child: ChildProcess, pattern: RegExp, label: string, log: ProcessLog): Promise<string> {
  return waitForReadyLine(child, pattern, {
    label,
    timeoutMs: READY_TIMEOUT_MS,
    onLine: (line) => log.append(`[stdout] ${line}\n`),
  })
}

/** SIGTERM (the graceful path), SIGKILL if it does not exit in time. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

export interface ServerOptions {
  /** Default 120 (the product default); 0 = unlimited. */
  recallWindowSeconds?: number
  /** A cluster node: PostgreSQL and NATS instead of the embedded SQLite store (docs/deployment.md). */
  engines?: { database: string; nats: string }
}

/** `npm run server` with its data in a temp directory; stop/start keeps port and data. */
export class ChatServer {
  readonly log = new ProcessLog()
  readonly dataDir: string
  private child: ChildProcess | null = null
  private boundPort = 0
  private currentUrl = ''

  private constructor(private readonly options: ServerOptions) {
    this.dataDir = tempDir('server')
  }

  static async start(options: ServerOptions = {}): Promise<ChatServer> {
    const server = new ChatServer(options)
    await server.start()
    return server
  }

  get url(): string {
    return this.currentUrl
  }
  get port(): number {
    return this.boundPort
  }
  get running(): boolean {
    return this.child !== null
  }

  /** Start (again): the first start picks a free port, a restart reuses it so clients find it. */
  async start(): Promise<void> {
    if (this.child) throw new Error('the server is already running')
    const args = ['--host', '127.0.0.1', '--port', String(this.boundPort), '--data', this.dataDir]
    args.push('--recall-window-seconds', String(this.options.recallWindowSeconds ?? 120))
    const { engines } = this.options
    if (engines) args.push('--database', engines.database, '--nats', engines.nats)
    this.log.append(`--- starting server ${args.join(' ')}\n`)
    const child = spawnTs('src/server/cli.ts', args, this.log)
    this.child = child
    try {
      this.currentUrl = await waitForLine(child, SERVER_READY, 'the chat server', this.log)
    } catch (err) {
      await stopProcess(child, 'SIGKILL')
      this.child = null
      throw err
    }
    child.once('exit', (code, signal) => {
      this.log.append(`--- server exited (${signal ?? `code ${code}`})\n`)
      if (this.child === child) this.child = null
    })
    this.boundPort = Number(new URL(this.currentUrl).port)
  }

  async stop(): Promise<void> {
    const child = this.child
    if (!child) return
    await stopProcess(child)
    this.child = null
  }
}

/** `npm run web`: the client core headless plus the renderer served on 127.0.0.1. */
export async function startWebHost(
  serverUrl: string,
  profileDir: string,
  log: ProcessLog,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnTs('src/main/web/cli.ts', ['--server', serverUrl, '--profile', profileDir, '--port', '0'], log)
  try {
    const url = await waitForLine(child, WEB_READY, 'browser mode', log)
    return { child, url }
  } catch (err) {
    await stopProcess(child, 'SIGKILL')
    throw err
  }
}
