/**
 * One Parley client core in its own process, so fault runs can SIGKILL it at any point.
 * It is a host like Electron's main or browser mode, with stdio as the bridge:
 *
 *   node --import tsx test/faults/client-runner.ts --server ws://HOST:PORT --profile DIR
 *
 * stdin, one JSON object a line: `{"req": n, "call": "<invoke name>", "args": {...}}`,
 * dispatched with `dispatchInvoke` exactly as the real hosts do; two calls are for the
 * harness only: `$drop` (drop the socket, as a network fault would; the core reconnects on
 * its own) and `$close` (a clean shutdown).
 * stdout, one JSON object a line: `{"t":"ready"}` once started, `{"t":"reply","req":n,"result":...}`
 * per call, and `{"t":"event","name":...,"payload":...}` for every bridge event, written
 * synchronously when the core emits it (so what the harness saw was emitted, in order).
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { openCore } from '../../src/main/core/core'
import { dispatchInvoke } from '../../src/shared/bridge'

const { values } = parseArgs({
  options: { server: { type: 'string' }, profile: { type: 'string' } },
  strict: true,
})
if (!values.server || !values.profile) {
  process.stderr.write('usage: client-runner --server ws://HOST:PORT --profile DIR\n')
  process.exit(2)
}

function out(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

const core = await openCore(
  { profileDir: values.profile, serverUrl: values.server, emit: (name, payload) => out({ t: 'event', name, payload }) },
  // the harness restarts the server often: come back quickly
  { backoff: { baseMs: 100, capMs: 2_000 } },
)
await core.start()
out({ t: 'ready', pid: process.pid })

createInterface({ input: process.stdin }).on('line', (line) => {
  const { req, call, args } = JSON.parse(line) as { req: number; call: string; args?: unknown }
  if (call === '$drop') {
    core.testing.connection.restart('dropped by the fault harness')
    out({ t: 'reply', req, result: { ok: true, value: null } })
    return
  }
  if (call === '$close') {
    void core.close().then(() => {
      out({ t: 'reply', req, result: { ok: true, value: null } })
      process.exit(0)
    })
    return
  }
  void dispatchInvoke(core.handlers, call, args, (err) => {
    process.stderr.write(`handler threw: ${(err as Error).stack ?? String(err)}\n`)
  }).then((result) => out({ t: 'reply', req, result }))
})
