/** Command line of `npm run server`. */
import { parseArgs } from 'node:util'
import { DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS, DEFAULT_WITHDRAW_WINDOW_SECONDS } from '../shared/withdraw-rules'

export interface ServerArgs {
  host: string
  port: number
  dataDir: string
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE =
  'usage: npm run server -- [--host 127.0.0.1] [--port 7800] [--data ./.parley-server] ' +
  '[--recall-window-seconds 120] [--admin-recall-window-seconds 0]'

export function parseServerArgs(argv: string[]): ServerArgs {
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
      },
    }))
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.host.trim() === '') throw new UsageError('--host must not be empty')
  if (values.data.trim() === '') throw new UsageError('--data must not be empty')
  return {
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

function integer(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`)
  }
  return value
}
