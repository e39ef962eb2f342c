#!/usr/bin/env node
/**
 * `npm start [-- --server ws://HOST:PORT] [--profile DIR]`
 *
 * Builds if needed, then runs the desktop app. Where no Electron binary exists (as on
 * machines where its download is not allowed), runs the same client in browser mode
 * instead: a chat server (unless --server is given) plus the browser-mode host, and
 * prints the URL to open. Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureBuild } from './ensure-build.mjs'
import { buildElectronNative } from './electron-native.mjs'
import { findElectronBinary } from './lib/electron-binary.mjs'
import { SERVER_READY, WEB_READY, waitForReadyLine } from './lib/ready-line.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Same file and format as the desktop app's embedded server (src/main/embedded-server.ts). */
const ENDPOINT_FILE = 'embedded-endpoint.json'
const passThrough = process.argv.slice(2)

ensureBuild()

const electron = findElectronBinary(root)
if (electron.ok) runElectron(electron.path)
else await runBrowserMode(electron.reason)

function runElectron(binary) {
  if (!buildElectronNative()) {
    process.stderr.write('parley: continuing without an Electron build of better-sqlite3; the database may fail to open\n')
  }
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
  process.stdout.write(`parley: Electron is not available (${reason}); falling back to browser mode.\n`)

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
