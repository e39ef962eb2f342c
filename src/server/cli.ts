/**
 * `npm run server -- --host 127.0.0.1 --port 7800 --data DIR --recall-window-seconds 120`
 * (a cluster node: `--database postgres://… --nats nats://…`, see engines.ts)
 *
 * stdout carries exactly one line, `parley-server listening on ws://HOST:PORT`, once the
 * server accepts connections (scripts and tests wait for it); everything else goes to
 * stderr. Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when the server cannot
 * start (a bad engine URL or an engine that cannot be reached included) or fails, 2 for bad
 * arguments, 130 on a second signal (or a shutdown that hangs).
 */
import { installShutdown } from '../node/shutdown'
import { logger } from '../shared/log'
import { parseServerArgs, USAGE, UsageError } from './args'
import { type Engines, openEngines } from './engines'
import { type RunningServer, startServer } from './server'

const log = logger('server.cli')

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  let args
  try {
    args = parseServerArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`parley-server: ${err.message} (see --help)\n`)
    process.exit(2)
  }

  let server: RunningServer
  try {
    // opens both or neither; startServer closes them again if it cannot listen
    const engines: Engines = await openEngines(args)
    server = await startServer({
      host: args.host,
      port: args.port,
      dataDir: args.dataDir,
      recallWindowSeconds: args.recallWindowSeconds,
      adminRecallWindowSeconds: args.adminRecallWindowSeconds,
      store: engines.store,
      bus: engines.bus,
    })
  } catch (err) {
    process.stderr.write(`parley-server: cannot start: ${(err as Error).message}\n`)
    process.exit(1)
  }
  process.stdout.write(`parley-server listening on ${server.url}\n`)
  installShutdown(log, () => server.close())
}

process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'uncaught exception')
  process.exit(1)
})
process.on('unhandledRejection', (err) => {
  log.fatal({ err }, 'unhandled rejection')
  process.exit(1)
})

void main()
