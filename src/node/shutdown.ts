/**
 * Graceful stop on SIGINT/SIGTERM for the Node processes (the chat server, browser mode):
 * close once and exit 0 (1 when closing failed); a second signal, or a close that hangs,
 * exits at once with 130.
 */
import type { Logger } from '../shared/log'

const FORCE_EXIT_AFTER_MS = 10_000

export interface Shutdown {
  readonly started: boolean
}

export function installShutdown(log: Logger, close: () => Promise<void>): Shutdown {
  const state = { started: false }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (state.started) {
      log.warn({ signal }, 'second signal, exiting now')
      process.exit(130)
    }
    state.started = true
    log.info({ signal }, 'shutting down')
    setTimeout(() => {
      log.error('shutdown took too long, exiting')
      process.exit(130)
    }, FORCE_EXIT_AFTER_MS).unref()
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return state
}
