/**
 * A client core in a child process (test/faults/client-runner.ts): bridge calls over
 * stdio, every emitted event recorded in order across restarts, SIGKILL at any moment.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { BridgeEvents, EventName, InvokeArgs, InvokeName, InvokeResult, Result } from '../../src/shared/bridge'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const RUNNER = 'test/faults/client-runner.ts'
/**
 * A start this slow is a hang, not a slow machine: fault runs on a loaded 2-core machine
 * have seen every process stall together for 30 s (disk flushes of other work).
 */
const START_TIMEOUT_MS = 120_000
const KEEP_LOG_CHARS = 200_000

export interface RecordedEvent<E extends EventName = EventName> {
  name: E
  payload: BridgeEvents[E]
  /** Which run of the process emitted it (1 = first start). */
  life: number
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export class ClientProcess {
  /** Every event of every run, in the order emitted. */
  readonly events: RecordedEvent[] = []
  life = 0
  private child: ChildProcess | null = null
  private nextReq = 1
  private readonly waiting = new Map<number, (result: Result<unknown> | null) => void>()
  private stderr = ''
  private readonly listeners = new Set<(e: RecordedEvent) => void>()

  constructor(
    readonly name: string,
    readonly profileDir: string,
    private serverUrl: string,
    private readonly opts: { logLevel?: string; onLog?: (chunk: string) => void } = {},
  ) {}

  get running(): boolean {
    return this.child !== null
  }

  log(): string {
    return this.stderr
  }

  onEvent(listener: (e: RecordedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async start(serverUrl = this.serverUrl): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`)
    this.serverUrl = serverUrl
    const proc = spawn(process.execPath, ['--import', 'tsx', RUNNER, '--server', serverUrl, '--profile', this.profileDir], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PARLEY_LOG_LEVEL: this.opts.logLevel ?? process.env.PARLEY_LOG_LEVEL ?? 'warn' },
    })
    this.child = proc
    live.add(proc)
    this.life++
    const life = this.life
    proc.stdin!.on('error', () => {})
    proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-KEEP_LOG_CHARS)
      this.opts.onLog?.(chunk.toString())
    })
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start in time\n${this.stderr.slice(-3000)}`)), START_TIMEOUT_MS)
      proc.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${this.name} exited while starting (${code ?? signal})\n${this.stderr.slice(-3000)}`))
      })
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        let msg: { t: string; req?: number; result?: Result<unknown>; name?: EventName; payload?: unknown }
        try {
          msg = JSON.parse(line)
        } catch {
          return // a line cut by SIGKILL
        }
        if (msg.t === 'ready') {
          clearTimeout(timer)
          resolve()
        } else if (msg.t === 'reply') {
          const done = this.waiting.get(msg.req!)
          this.waiting.delete(msg.req!)
          done?.(msg.result!)
        } else if (msg.t === 'event') {
          const e = { name: msg.name!, payload: msg.payload, life } as RecordedEvent
          this.events.push(e)
          for (const l of this.listeners) l(e)
        }
      })
    })
    proc.once('exit', () => {
      live.delete(proc)
      if (this.child === proc) this.child = null
      // calls in flight have an unknown outcome
      for (const done of this.waiting.values()) done(null)
      this.waiting.clear()
    })
    await ready
  }

  /** A bridge call; null when the process died before answering (outcome unknown). */
  call<K extends InvokeName>(name: K, args: InvokeArgs<K>): Promise<Result<InvokeResult<K>> | null> {
    return this.raw(name, args) as Promise<Result<InvokeResult<K>> | null>
  }

  raw(call: string, args: unknown): Promise<Result<unknown> | null> {
    const proc = this.child
    if (!proc) return Promise.resolve(null)
    const req = this.nextReq++
    return new Promise((resolve) => {
      this.waiting.set(req, resolve)
      proc.stdin!.write(`${JSON.stringify({ req, call, args })}\n`)
    })
  }

  /** Drop the socket the way a network fault would; the core reconnects by itself. */
  async dropSocket(): Promise<void> {
    await this.raw('$drop', {})
  }

  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const proc = this.child
    if (!proc) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill('SIGKILL')
    await gone
  }

  /** A clean shutdown (database closed). */
  async stop(): Promise<void> {
    const proc = this.child
    if (!proc) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    void this.raw('$close', {})
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await gone
    clearTimeout(timer)
  }
}
