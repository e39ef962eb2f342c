/**
 * A real PostgreSQL 15 for tests: its own cluster in a temporary directory, on a free
 * loopback port, with its unix socket in that directory too, so tests never depend on
 * (or disturb) a PostgreSQL the machine may already run. Trust authentication: it listens
 * on 127.0.0.1 only and lives as long as the test file.
 *
 * PostgreSQL refuses to run as root; when the tests do (CI containers), every binary runs
 * through `runuser -u postgres` and the directory belongs to that user.
 *
 * Ready means "a client connected", found by retrying a connection until the postmaster
 * answers or exits, never by sleeping a fixed time.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from '../free-port'

const run = promisify(execFile)

export const BIN_DIR = process.env.PARLEY_PG_BIN ?? '/usr/lib/postgresql/15/bin'
const START_TIMEOUT_MS = 60_000
const KEEP_LOG_CHARS = 20_000

export interface PostgresInstance {
  /** Connection URL of the `postgres` database (the superuser's). */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /**
   * A new database, empty or a copy of `template` (a database nobody is connected to):
   * copying an already migrated database is cheaper than migrating each test's own.
   * Returns its URL.
   */
  createDatabase(name?: string, template?: string): Promise<string>
  /** Fast shutdown, then the directory is removed. */
  stop(): Promise<void>
  /**
   * `pg_ctl stop -m immediate`: the postmaster and every backend quit at once, without a
   * checkpoint (a crash, as far as the data is concerned: the next start runs recovery).
   * The directory stays; `start()` brings the server back.
   */
  stopImmediate(): Promise<void>
  /** Starts the server again on the same port and data directory (after `stopImmediate`); resolves once a client connected. */
  start(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  // a test run that dies leaves no postmaster behind
  for (const child of live) child.kill('SIGKILL')
})

/** The command line for a PostgreSQL binary: as `postgres` when we are root. */
function asPostgres(binary: string, args: string[]): [string, string[]] {
  const file = path.join(BIN_DIR, binary)
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
}

let databases = 0

export interface StartPostgresOptions {
  /**
   * Extra server settings, passed as `-c name=value` after the defaults (so they win), e.g.
   * `{ wal_recycle: 'off' }`. Names are checked to be plain identifiers.
   */
  settings?: Record<string, string>
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresInstance> {
  const extra = Object.entries(options.settings ?? {}).flatMap(([name, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new Error(`not a plain setting name: ${name}`)
    return ['-c', `${name}=${value}`]
  })
  if (!existsSync(path.join(BIN_DIR, 'postgres'))) {
    throw new Error(`PostgreSQL 15 server binaries not found in ${BIN_DIR} (apt-get install postgresql-15, or set PARLEY_PG_BIN)`)
  }
  const root = mkdtempSync(path.join(tmpdir(), 'parley-pg-'))
  const dataDir = path.join(root, 'data')
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(root, Number(stdout.trim()), Number(gid.trim()))
  }
  try {
    // --no-sync: only initdb's own flush of the fresh cluster is skipped; the server runs with fsync on
    const [initdb, initArgs] = asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
    await run(initdb, initArgs)
  } catch (err) {
    rmSync(root, { recursive: true, force: true })
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { cause: err })
  }

  const port = await freePort()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  let log = ''
  /** Starts the postmaster and waits until a client connects; the same port and directory every time. */
  const launch = async (): Promise<{ child: ChildProcess; exited: Promise<number | null> }> => {
    const [postgres, args] = asPostgres('postgres', [
      '-D', dataDir,
      '-p', String(port),
      '-k', root,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=on',
      '-c', 'max_connections=200',
      '-c', 'shared_buffers=32MB',
      ...extra,
    ])
    const child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    live.add(child)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      log = (log + chunk).slice(-KEEP_LOG_CHARS)
    })
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        live.delete(child)
        resolve(code)
      }),
    )
    try {
      await waitUntilReady(url, exited, () => log)
    } catch (err) {
      child.kill('SIGKILL')
      await exited
      throw err
    }
    return { child, exited }
  }
  let current: { child: ChildProcess; exited: Promise<number | null> }
  try {
    current = await launch()
  } catch (err) {
    rmSync(root, { recursive: true, force: true })
    throw err
  }
  const isRunning = () => current.child.exitCode === null && current.child.signalCode === null
  /** `pg_ctl stop` in `mode`, SIGKILL if that fails; resolves once the postmaster is gone. */
  const halt = async (mode: 'fast' | 'immediate'): Promise<void> => {
    if (!isRunning()) return
    const [pgCtl, stopArgs] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w'])
    try {
      await run(pgCtl, stopArgs)
    } catch {
      current.child.kill('SIGKILL')
    }
    await current.exited
  }

  let stopped: Promise<void> | null = null
  return {
    url,
    port,
    dataDir,
    async createDatabase(name = `t${process.pid}_${++databases}`, template?: string) {
      for (const n of [name, template ?? 'template0']) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`not a plain database name: ${n}`)
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template ?? 'template0'}`)
      } finally {
        await client.end()
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    stop() {
      stopped ??= (async () => {
        // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, nothing is lost
        await halt('fast')
        rmSync(root, { recursive: true, force: true })
      })()
      return stopped
    },
    stopImmediate: () => halt('immediate'),
    async start() {
      if (stopped) throw new Error('this PostgreSQL was stopped for good')
      if (isRunning()) throw new Error('PostgreSQL is already running')
      current = await launch()
    },
  }
}

/** Connects until it works; fails early with the server's log if the postmaster exits. */
async function waitUntilReady(url: string, exited: Promise<number | null>, log: () => string): Promise<void> {
  let gone: number | null | undefined
  void exited.then((code) => (gone = code))
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (gone !== undefined) throw new Error(`PostgreSQL exited (code ${gone}) before accepting connections:\n${log()}`)
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      await client.end()
      return
    } catch (err) {
      await client.end().catch(() => {})
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms (${(err as Error).message}):\n${log()}`, { cause: err })
      }
    }
    // the next attempt once the postmaster had a moment, or at once if it exits
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited])
  }
}
