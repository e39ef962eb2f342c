/**
 * Fixtures: a real chat server per worker (port 0, temp data), and `launchClient(name)`
 * which starts one Parley client with its own temporary profile against it — browser
 * mode in Chromium for project `web`, the desktop app through `_electron.launch` for
 * project `electron` (skipped, with the reason, where there is no Electron binary).
 * Output of every process is attached when a test fails; everything is stopped at the end.
 */
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import {
  _electron,
  test as base,
  type Browser,
  type ConsoleMessage,
  type Page,
  type TestInfo,
} from '@playwright/test'
import { findElectronBinary } from '../scripts/lib/electron-binary.mjs'
import { ChatServer, ProcessLog, repoRoot, startWebHost, stopProcess, tempDir, type ServerOptions } from './processes'

export { expect } from '@playwright/test'
export { ChatServer } from './processes'

const electron = findElectronBinary(repoRoot)

export interface Client {
  /** The label given to launchClient (also the base of the username tests pick). */
  name: string
  page: Page
  profileDir: string
  process: ChildProcess
  /** Stop this client now (a restart: launch again with its `profileDir`); the profile stays until the test ends. */
  close(): Promise<void>
}

export interface LaunchOptions {
  /** Another server than the worker's (e.g. one started with a short recall window, or a load balancer's address). */
  server?: Pick<ChatServer, 'url'>
  /** Open this existing profile instead of a fresh one: the same identity, started again. */
  profileDir?: string
  /** Runs before the app's page loads (e.g. `page.addInitScript` to observe a browser API). */
  beforeLoad?: (page: Page) => Promise<void>
}

interface TestFixtures {
  /** Skips electron-project tests where Electron cannot run; set up before anything else. */
  electronGate: void
  server: ChatServer
  startServer: (options?: ServerOptions) => Promise<ChatServer>
  launchClient: (name: string, options?: LaunchOptions) => Promise<Client>
}

interface WorkerFixtures {
  workerServer: { get(): Promise<ChatServer> }
  webBrowser: { get(): Promise<Browser> }
}

function failed(testInfo: TestInfo): boolean {
  return testInfo.status !== testInfo.expectedStatus
}

async function attachLog(testInfo: TestInfo, name: string, text: string): Promise<void> {
  if (text) await testInfo.attach(name, { body: text, contentType: 'text/plain' })
}

/** Console errors from a page: kept for the report; CSP violations fail the test. */
function watchConsole(page: Page, sink: string[]): void {
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' || msg.type() === 'warning') sink.push(`[${msg.type()}] ${msg.text()}`)
  })
  page.on('pageerror', (err) => sink.push(`[pageerror] ${err.message}`))
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  electronGate: [
    async ({}, use, testInfo) => {
      testInfo.skip(
        testInfo.project.name === 'electron' && !electron.ok,
        `no Electron binary: ${electron.ok ? '' : electron.reason}`,
      )
      await use()
    },
    { auto: true },
  ],

  workerServer: [
    async ({}, use) => {
      let started: Promise<ChatServer> | null = null
      await use({ get: () => (started ??= ChatServer.start()) })
      if (started) {
        const server = await (started as Promise<ChatServer>).catch(() => null)
        await server?.stop()
        if (server) rmSync(server.dataDir, { recursive: true, force: true })
      }
    },
    { scope: 'worker' },
  ],

  webBrowser: [
    async ({ playwright, launchOptions }, use) => {
      let launched: Promise<Browser> | null = null
      await use({ get: () => (launched ??= playwright.chromium.launch(launchOptions)) })
      if (launched) await (await (launched as Promise<Browser>)).close()
    },
    { scope: 'worker' },
  ],

  server: async ({ electronGate: _gate, workerServer }, use, testInfo) => {
    const server = await workerServer.get()
    const from = server.log.length
    await use(server)
    // A test may leave it stopped (restart tests): the next test needs it up.
    if (!server.running) await server.start()
    if (failed(testInfo)) await attachLog(testInfo, 'server.log', server.log.text().slice(from))
  },

  startServer: async ({ electronGate: _gate }, use, testInfo) => {
    const servers: ChatServer[] = []
    await use(async (options) => {
      const server = await ChatServer.start(options)
      servers.push(server)
      return server
    })
    for (const [i, server] of servers.entries()) {
      await server.stop()
      if (failed(testInfo)) await attachLog(testInfo, `extra-server-${i}.log`, server.log.text())
      else rmSync(server.dataDir, { recursive: true, force: true })
    }
  },

  launchClient: async ({ server, webBrowser }, use, testInfo) => {
    const cleanups: Array<() => Promise<void>> = []
    const reports: Array<{ name: string; log: ProcessLog; console: string[]; profileDir: string }> = []
    /** Register a client's cleanup; the returned close() runs it early, once. */
    const register = (cleanup: () => Promise<void>): (() => Promise<void>) => {
      let done: Promise<void> | null = null
      const once = () => (done ??= cleanup())
      cleanups.push(once)
      return once
    }

    await use(async (name, options = {}) => {
      const target = options.server ?? server
      const profileDir = options.profileDir ?? tempDir(`profile-${name}`)
      const log = new ProcessLog()
      const consoleLines: string[] = []
      reports.push({ name, log, console: consoleLines, profileDir })

      if (testInfo.project.name === 'electron' && electron.ok) {
        const electronData = tempDir(`electron-${name}`)
        const app = await _electron.launch({
          executablePath: electron.path,
          // Chromium refuses to run as root (CI containers) without it.
          args: [
            ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
            // Electron's own state goes to a temp dir, not the user's real one.
            `--user-data-dir=${electronData}`,
            repoRoot,
            '--server',
            target.url,
            '--profile',
            profileDir,
          ],
          cwd: repoRoot,
          env: { ...process.env, PARLEY_LOG_LEVEL: 'debug' } as Record<string, string>,
        })
        const child = app.process()
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => log.append(chunk))
        const close = register(async () => {
          await app.close().catch(() => stopProcess(child, 'SIGKILL'))
          rmSync(electronData, { recursive: true, force: true })
        })
        const page = await app.firstWindow()
        watchConsole(page, consoleLines)
        if (options.beforeLoad) {
          // The window loaded before Playwright could reach it: apply, then load it again.
          await options.beforeLoad(page)
          await page.reload()
        }
        return { name, page, profileDir, process: child, close }
      }

      const host = await startWebHost(target.url, profileDir, log)
      const browser = await webBrowser.get()
      const context = await browser.newContext()
      const close = register(async () => {
        await context.close().catch(() => {})
        await stopProcess(host.child)
      })
      const page = await context.newPage()
      watchConsole(page, consoleLines)
      await options.beforeLoad?.(page)
      await page.goto(host.url)
      return { name, page, profileDir, process: host.child, close }
    })

    for (const cleanup of cleanups.reverse()) await cleanup()
    const isFailed = failed(testInfo)
    for (const report of reports) {
      if (isFailed) {
        await attachLog(testInfo, `${report.name}.log`, report.log.text())
        await attachLog(testInfo, `${report.name}.console.log`, report.console.join('\n'))
        await attachLog(testInfo, `${report.name}.profile-dir.txt`, report.profileDir)
      } else {
        rmSync(report.profileDir, { recursive: true, force: true })
      }
    }
    // The page must run under its CSP without tripping it: a violation is a bug
    // (in the page or in the policy), even if the test's own assertions passed.
    const violations = reports.flatMap((r) => r.console.filter((l) => /Content.Security.Policy/i.test(l)))
    if (violations.length > 0 && !isFailed) throw new Error(`CSP violations:\n${violations.join('\n')}`)
  },
})
