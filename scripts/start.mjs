#!/usr/bin/env node
/**
 * `npm start [-- --server ws://HOST:PORT] [--profile DIR]`
 *
 * Builds if needed, then runs the desktop app. Electron's binary and the Electron build
 * of better-sqlite3 are made on the first start (both downloads, each bounded in time
 * with a progress line). Where either cannot be had (as on machines where those
 * downloads are not allowed), runs the same client in browser mode instead, saying why:
 * a chat server (unless --server is given) plus the browser-mode host, and prints the
 * URL to open. Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureBuild } from './ensure-build.mjs'
import { buildElectronNative } from './electron-native.mjs'
import { ensureElectronBinary } from './lib/electron-binary.mjs'
import { SERVER_READY, WEB_READY, waitForReadyLine } from './lib/ready-line.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Same file and format as the desktop app's embedded server (src/main/desktop/embedded-server.ts). */
const ENDPOINT_FILE = 'embedded-endpoint.json'
const passThrough = process.argv.slice(2)

ensureBuild()

const desktop = await prepareDesktop()
if (desktop.ok) runElectron(desktop.path)
else await runBrowserMode(desktop.reason)

/** The Electron binary and a better-sqlite3 it can load, fetched on the first start. */
async function prepareDesktop() {
  // Ctrl-C during a download stops it (its process group) rather than orphaning it.
  const interrupt = new AbortController()
  const onSignal = () => interrupt.abort()
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, onSignal)
  try {
    const electron = await ensureElectronBinary(root, { signal: interrupt.signal })
    if (interrupt.signal.aborted) process.exit(130)
    if (!electron.ok) return electron
    const native = await buildElectronNative({ root, signal: interrupt.signal })
    if (interrupt.signal.aborted) process.exit(130)
    if (!native.ok) {
      // Electron cannot open Node's build of it, so the app would fail at its first query.
      return { ok: false, reason: `better-sqlite3 could not be built for Electron ${electron.version} (${native.reason})` }
    }
    return electron
  } catch (err) {
    return { ok: false, reason: `preparing the desktop app failed: ${err instanceof Error ? err.message : String(err)}` }
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal)
  }
}

function runElectron(binary) {
  const child = spawn(binary, [root, ...passThrough], { cwd: root, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

async function runBrowserMode(reason) {
  const { values } = parseArgs({
    args: passThrough,
    options: {
      server: { type: 'string' },
      profile: { type: 'string' },
      port: { type: 'string', default: '0' },
      data: { type: 'string' },
    },
    strict: true,
  })
  process.stdout.write(`parley: the desktop app cannot start here (${reason}); falling back to browser mode.\n`)

  const home = path.join(os.homedir(), '.parley')
  const children = []
  let stopping = false
  const stopAll = (code) => {
    if (stopping) return
    stopping = true
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(
      () => process.exit(code),
    )
  }
  // The children run in their own process groups, so Ctrl-C reaches them once, from
  // here, as SIGTERM (a second signal would make them skip their graceful close).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stopAll(0))

  const tsNode = (script, args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    })
    children.push(child)
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`parley: ${script} stopped (${signal ?? `code ${code}`}); stopping the rest\n`)
        stopAll(code || 1)
      }
    })
    return child
  }

  try {
    let serverUrl = values.server
    if (!serverUrl) {
      const dataDir = path.resolve(values.data ?? path.join(home, 'server'))
      mkdirSync(dataDir, { recursive: true, mode: 0o700 })
      const endpointFile = path.join(dataDir, ENDPOINT_FILE)
      serverUrl = await runningServer(endpointFile)
      if (serverUrl) {
        // A second identity (`--profile`) joins the server the first `npm start` runs:
        // the server holds its data directory exclusively.
        process.stdout.write(`parley: joining the chat server at ${serverUrl} that another Parley started\n`)
      } else {
        const server = tsNode('src/server/cli.ts', ['--host', '127.0.0.1', '--port', '0', '--data', dataDir])
        serverUrl = await waitForReadyLine(server, SERVER_READY, { label: 'the chat server', onLine: echo })
        writeFileSync(endpointFile, JSON.stringify({ url: serverUrl, pid: server.pid }), { mode: 0o600 })
        server.once('exit', () => rmSync(endpointFile, { force: true }))
        process.stdout.write(`parley: chat server at ${serverUrl} (data in ${dataDir})\n`)
      }
    }
    const profile = path.resolve(values.profile ?? path.join(home, 'profile'))
    const web = tsNode('src/main/web/cli.ts', ['--server', serverUrl, '--profile', profile, '--port', values.port])
    const url = await waitForReadyLine(web, WEB_READY, { label: 'browser mode', onLine: echo })
    process.stdout.write(`parley: open ${url} in a browser (profile ${profile}). Ctrl-C stops Parley.\n`)
  } catch (err) {
    process.stderr.write(`parley: ${err.message}\n`)
    stopAll(1)
  }
}

async function runningServer(endpointFile) {
  try {
    const { url, pid } = JSON.parse(readFileSync(endpointFile, 'utf8'))
    process.kill(pid, 0)
    const res = await fetch(new URL('/v1/health', url.replace(/^ws/, 'http')), { signal: AbortSignal.timeout(2000) })
    return res.ok ? url : null
  } catch {
    return null
  }
}

function echo(line) {
  process.stdout.write(`${line}\n`)
}
