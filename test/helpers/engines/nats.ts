/**
 * A real `nats-server` for tests: its own temporary directory, a free port on loopback,
 * ready when the server says so (its "Server is ready" log line), never after a sleep.
 *
 * The first start lets the server pick the port (`-p -1`) and reads it from the log, so
 * there is no race between finding a free port and binding it; `restart()` binds the
 * same port again, so clients reconnecting to the URL they know find the new process.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export const NATS_SERVER = process.env.PARLEY_NATS_SERVER ?? '/usr/sbin/nats-server'
const READY_TIMEOUT_MS = 10_000

/** Servers still running when the test process exits are killed with it, not left behind. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface NatsServer {
  /** nats://127.0.0.1:PORT */
  url: string
  port: number
  /** Stops the server (SIGTERM, or SIGKILL with `{ kill: true }`) and removes its directory. */
  stop(options?: { kill?: boolean }): Promise<void>
  /** Stops the server (SIGKILL by default: a crash, connections dropped without goodbye) and starts it on the same port. */
  restart(options?: { kill?: boolean }): Promise<void>
}

export async function startNats(): Promise<NatsServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-nats-'))
  let child: ChildProcess
  let port: number
  try {
    ;({ child, port } = await launch(dir, -1))
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true })
    throw err
  }

  const halt = async (kill: boolean): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(kill ? 'SIGKILL' : 'SIGTERM')
    await exited
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop({ kill = false } = {}) {
      await halt(kill)
      await fs.rm(dir, { recursive: true, force: true })
    },
    async restart({ kill = true } = {}) {
      await halt(kill)
      ;({ child } = await launch(dir, port))
    },
  }
}

/** Starts the server and resolves once it accepts clients, with the port it listens on. */
function launch(dir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '--pid', path.join(dir, 'nats.pid')], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return new Promise((resolve, reject) => {
    let log = ''
    let listening: number | null = null
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`nats-server ${why}; its log:\n${log}`))
    }
    const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS)
    const onError = (err: Error) => fail(`could not start (${NATS_SERVER}): ${err.message}`)
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal}) before it was ready`)
    child.once('error', onError)
    child.once('exit', onExit)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      log += chunk
      const m = /Listening for client connections on [^\s]+:(\d+)/.exec(log)
      if (m) listening = Number(m[1])
      if (listening !== null && log.includes('Server is ready')) {
        clearTimeout(timer)
        child.off('exit', onExit)
        child.off('error', onError)
        // keep draining stderr so a chatty server never blocks on a full pipe
        child.stderr!.removeAllListeners('data')
        child.stderr!.resume()
        resolve({ child, port: listening })
      }
    })
  })
}
