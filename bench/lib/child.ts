/**
 * Benchmark processes: the chat server (and the bare relay it is compared with) run in
 * their own Node process, as in production, so the load generator does not share their
 * event loop. They are TypeScript run through tsx's loader (no wrapper process), take
 * their settings from BENCH_CONFIG, report readiness and answer requests over IPC.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

export interface ChildHandle {
  readonly url: string
  readonly pid: number
  request<T>(message: Record<string, unknown>): Promise<T>
  stop(): Promise<void>
}

interface Reply {
  replyTo?: number
  type?: string
  url?: string
  error?: string
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Starts `script` (relative to the repo root); its stderr (logs) goes to `logFile`. */
export async function startChild(script: string, config: unknown, logFile: string): Promise<ChildHandle> {
  const logFd = openSync(logFile, 'a')
  // BENCH_CHILD_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the processes under test
  const extra = process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(process.execPath, [...extra, '--expose-gc', '--import', 'tsx', path.join(ROOT, script)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', logFd, 'ipc'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), PARLEY_LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'info' },
  })
  closeSync(logFd)
  live.add(child)
  child.once('exit', () => live.delete(child))

  let nextId = 1
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  child.on('message', (raw) => {
    const reply = raw as Reply
    if (reply.replyTo === undefined) return
    const w = waiting.get(reply.replyTo)
    waiting.delete(reply.replyTo)
    if (reply.error) w?.reject(new Error(reply.error))
    else w?.resolve(reply)
  })
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`${script} exited (${signal ?? code})`))
    waiting.clear()
  })

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`printed no ready message within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS)
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before it was ready; see ${logFile}`)
    const onMessage = (raw: unknown) => {
      const m = raw as Reply
      if (m.type !== 'ready' || !m.url) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.off('message', onMessage)
      resolve(m.url)
    }
    function fail(why: string) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.kill('SIGKILL')
      reject(new Error(`${script} ${why}`))
    }
    child.once('exit', onExit)
    child.on('message', onMessage)
  })

  return {
    url,
    pid: child.pid!,
    request<T>(message: Record<string, unknown>): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.send({ ...message, id })
      })
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      })
    },
  }
}
