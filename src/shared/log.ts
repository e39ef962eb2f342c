/**
 * Node-only logging (server and main process), one child logger per module with its
 * context on every line. Never pass message text to a logger: withdrawn text must not
 * survive anywhere in a profile, logs included.
 */
import pino from 'pino'

const root = pino({
  level: process.env.PARLEY_LOG_LEVEL ?? 'info',
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
}, pino.destination({ dest: 2, sync: true }))

export type Logger = pino.Logger

export function logger(module: string, context: Record<string, unknown> = {}): Logger {
  return root.child({ module, ...context })
}
