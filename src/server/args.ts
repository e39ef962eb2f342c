/** Command line of `npm run server`. */
import { parseArgs } from 'node:util'
import { DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS, DEFAULT_WITHDRAW_WINDOW_SECONDS } from '../shared/withdraw-rules'
import type { EngineUrl } from './engines'

export interface ServerArgs {
  host: string
  port: number
  dataDir: string
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
  /** PostgreSQL instead of the embedded SQLite store (checked when the engines are opened). */
  database?: EngineUrl
  /** NATS instead of the in-process bus. */
  nats?: EngineUrl
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `usage: npm run server -- [--host 127.0.0.1] [--port 7800] [--data ./.parley-server]
         [--recall-window-seconds 120] [--admin-recall-window-seconds 0]
         [--database postgres://USER:PASSWORD@HOST:5432/DB] [--nats nats://HOST:4222]

  --data DIR         the embedded SQLite store's directory (single node; unused with --database)
  --database URL     store everything in PostgreSQL (postgres:// or postgresql://); also PARLEY_DATABASE_URL
  --nats URL[,URL]   fan out between nodes over NATS (nats:// or tls://; needs --database); also PARLEY_NATS_URL

Without --database and --nats: one node on SQLite and an in-process bus. With both: a
cluster node; start as many as you like on the same database and NATS server. A flag
wins over its environment variable. A bad URL, an engine that cannot be reached or a
database schema newer than this server: one line on stderr and exit code 1.`

export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '7800' },
        data: { type: 'string', default: './.parley-server' },
        'recall-window-seconds': { type: 'string', default: String(DEFAULT_WITHDRAW_WINDOW_SECONDS) },
        'admin-recall-window-seconds': { type: 'string', default: String(DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS) },
        database: { type: 'string' },
        nats: { type: 'string' },
      },
    }))
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.host.trim() === '') throw new UsageError('--host must not be empty')
  if (values.data.trim() === '') throw new UsageError('--data must not be empty')
  const database = engineUrl('--database', values.database, 'PARLEY_DATABASE_URL', env)
  const nats = engineUrl('--nats', values.nats, 'PARLEY_NATS_URL', env)
  // nodes that share a bus but not a database would announce events each other's logs lack
  if (nats && !database) throw new UsageError(`${nats.source} needs --database (or PARLEY_DATABASE_URL): the nodes of a cluster share one PostgreSQL database`)
  return {
    ...(database && { database }),
    ...(nats && { nats }),
    host: values.host,
    port: integer('--port', values.port, 0, 65_535),
    dataDir: values.data,
    recallWindowSeconds: integer('--recall-window-seconds', values['recall-window-seconds'], 0, 31_536_000),
    adminRecallWindowSeconds: integer(
      '--admin-recall-window-seconds',
      values['admin-recall-window-seconds'],
      0,
      31_536_000,
    ),
  }
}

/** The flag's value, else the environment variable's (an empty one counts as unset). */
function engineUrl(flag: string, value: string | undefined, variable: string, env: NodeJS.ProcessEnv): EngineUrl | undefined {
  if (value !== undefined) {
    if (value.trim() === '') throw new UsageError(`${flag} must not be empty`)
    return { url: value.trim(), source: flag }
  }
  const fromEnv = env[variable]?.trim()
  return fromEnv ? { url: fromEnv, source: variable } : undefined
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`)
  }
  return value
}
