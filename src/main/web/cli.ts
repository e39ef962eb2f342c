/**
 * `npm run web -- --server ws://HOST:PORT --profile DIR --port 0`
 *
 * Runs the client core headless under Node and serves the renderer to a browser.
 * stdout carries exactly one line, the ready line with the URL to open (scripts and
 * the e2e fixtures wait for it); everything else goes to stderr.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dispatchInvoke, type EmitEvent } from '../../shared/bridge'
import { logger } from '../../shared/log'
import { ArgsError, parseWebArgs } from '../common/args'
import { createCore, type ParleyCore } from '../core/core'
import { installShutdown } from '../../node/shutdown'
import { startWebHost, type WebHost } from './host'

const log = logger('web-cli')

const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url))
const FAVICON = fileURLToPath(new URL('../../../resources/icon.png', import.meta.url))

async function main(): Promise<void> {
  const args = parseWebArgs(process.argv.slice(2))
  const profileDir = path.resolve(args.profile)
  mkdirSync(profileDir, { recursive: true, mode: 0o700 })
  const staticDir = path.resolve(args.staticDir ?? DEFAULT_STATIC_DIR)

  // The core needs `emit` before the host exists; events before the first page are
  // harmless to drop, a page loads the current state when it connects.
  let host: WebHost | null = null
  const emit: EmitEvent = (event, payload) => host?.broadcast(event, payload)
  const core: ParleyCore = await createCore({ profileDir, serverUrl: args.server, emit })
  const shutdown = installShutdown(log, async () => {
    await host?.close()
    await core.close()
  })

  host = await startWebHost({
    staticDir,
    faviconFile: FAVICON,
    host: args.host,
    port: args.port,
    dispatch: (name, rawArgs) =>
      dispatchInvoke(core.handlers, name, rawArgs, (err) => log.error({ err, call: name }, 'invoke failed')),
  })
  if (!isLoopback(args.host)) {
    log.warn({ host: args.host }, 'serving beyond loopback: anyone who can reach this port and learns the token controls this profile')
  }
  await core.start()
  if (shutdown.started) return
  log.info({ port: host.port, server: args.server, staticDir }, 'browser mode ready')
  process.stdout.write(`parley-web ready at ${host.url}\n`)
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

main().catch((err: unknown) => {
  if (err instanceof ArgsError) {
    process.stderr.write(`parley-web: ${err.message}\n`)
    process.exit(2)
  }
  log.fatal({ err }, 'browser mode failed to start')
  process.exit(1)
})
