/**
 * The real Electron entry, run under Node with `electron` replaced by a fake that records
 * what the entry asks of it (testing/fake-electron.ts), and the renderer played by
 * electron-main.scenario.ts. No Electron binary can run here; this covers the wiring:
 * embedded server, core, window options, app protocol with CSP, IPC with its sender check,
 * the session token wrapped by the keychain, and cleanup on quit.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { invokeNames, invokes } from '../../shared/bridge'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const userData = mkdtempSync(path.join(os.tmpdir(), 'parley-electron-main-'))
type Report = Record<string, unknown> & { event: string }
const PREFIX = 'FAKE-ELECTRON '

async function runMain(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | null; reports: Report[] }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      './src/main/electron/testing/fake-electron-register.mjs',
      '--import',
      'tsx',
      '--import',
      './src/main/electron/electron-main.scenario.ts',
      'src/main/electron/index.ts',
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, PARLEY_FAKE_USER_DATA: userData, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  if (exitCode !== 0) console.error(stderr)
  const reports = stdout
    .split('\n')
    .filter((l) => l.startsWith(PREFIX))
    .map((l) => JSON.parse(l.slice(PREFIX.length)) as Report)
  return { exitCode, reports }
}

let reports: Report[] = []
let exitCode: number | null = null

beforeAll(async () => {
  ;({ exitCode, reports } = await runMain([]))
}, 60_000)
afterAll(() => rmSync(userData, { recursive: true, force: true }))

const find = (event: string, where: (r: Report) => boolean = () => true) => reports.find((r) => r.event === event && where(r))

describe('Electron main (fake Electron)', () => {
  it('starts, serves the renderer, answers the bridge and quits cleanly', () => {
    expect(exitCode).toBe(0)
    expect(find('scenario-failed')).toBeUndefined()
    expect(find('error-box')).toBeUndefined()
    expect(reports.at(-1)?.event).toBe('quit')
  })

  it('opens a locked-down window', () => {
    expect(find('window')?.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    })
    expect(find('window-open')?.result).toEqual({ action: 'deny' })
    // the session hardening (hardening.test.ts) is installed on the app's session
    expect(find('permission-handler')).toBeDefined()
    expect(find('csp-hook')).toBeDefined()
  })

  it('serves the page from parley://app with a CSP, and nothing outside it', () => {
    const page = find('page')!
    expect(page).toMatchObject({ url: 'parley://app/index.html', status: 200, contentType: 'text/html; charset=utf-8' })
    expect(page.csp).toContain("connect-src 'none'")
    expect(find('traversal')?.status).toBe(404)
  })

  it('registers every invoke channel and runs the embedded server in userData', () => {
    expect(find('channels')?.channels).toEqual(invokeNames.map((n) => invokes[n].channel).sort())
    const state = find('invoke', (r) => r.channel === 'session:get-state')?.result as { ok: boolean; value: { serverUrl: string } }
    expect(state.ok).toBe(true)
    expect(state.value.serverUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(find('invoke', (r) => r.channel === 'session:sign-up')?.result).toMatchObject({ ok: true })
    expect(find('bridge-event', (r) => r.name === 'session:changed')).toBeDefined()
  })

  it('installs the menu, whose items reach the renderer as ui:menu-command', () => {
    expect(find('menu')?.top).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    expect(find('menu-item')?.label).toBe('New Chat')
    expect(find('bridge-event', (r) => r.name === 'ui:menu-command')?.payload).toEqual({ command: 'new-chat' })
    expect(find('theme')?.value).toBe('system')
    // The tray: the plain icon, a tooltip, a menu to open or quit; the window at its default size.
    expect(find('tray')?.icon).toBe('tray.png')
    expect(find('tray-tooltip')?.text).toBe('Parley')
    expect(find('tray-menu')?.labels).toEqual(['Open Parley', '', 'Quit Parley'])
    expect(find('window')).toMatchObject({ width: 1100, minWidth: 400, minHeight: 480 })
  })

  it('keeps the session token wrapped by the keychain in the profile, and resumes with it', async () => {
    const signedUp = find('invoke', (r) => r.channel === 'session:sign-up')?.result as { value: { username: string } }
    const db = new Database(path.join(userData, 'profile', 'parley.db'), { readonly: true })
    const stored = db.prepare("SELECT value FROM meta WHERE key = 'sessionToken'").pluck().get() as string
    db.close()
    expect(stored).toMatch(/^keychain:/)
    const again = await runMain([], { PARLEY_FAKE_SIGN_UP: '0' })
    const state = again.reports.find((r) => r.channel === 'session:get-state')?.result
    expect(state).toMatchObject({ ok: true, value: { user: signedUp.value.username } })
  }, 60_000)

  it('refuses invokes from a frame that is not the app', () => {
    expect(find('invoke', (r) => r.channel === 'foreign')?.result).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
  })
})

describe('Electron main with --server and --profile', () => {
  it('uses that server and profile, with Chromium state of its own outside the profile', async () => {
    const profile = path.join(userData, 'second-identity')
    const run = await runMain(['--server', 'ws://127.0.0.1:1', '--profile', profile])
    expect(run.exitCode).toBe(0)
    const setPath = run.reports.find((r) => r.event === 'set-path')
    expect(setPath?.name).toBe('userData')
    expect(String(setPath?.value)).toContain(path.join(userData, 'instances'))
    const state = run.reports.find((r) => r.event === 'invoke' && r.channel === 'session:get-state')?.result
    expect(state).toMatchObject({ ok: true, value: { serverUrl: 'ws://127.0.0.1:1', user: null } })
    expect(existsSync(path.join(profile, 'parley.db'))).toBe(true)
  }, 60_000)

  it('uses the server address saved in the profile when --server is not given', async () => {
    const profile = path.join(userData, 'saved-server')
    const first = await runMain(['--server', 'ws://127.0.0.1:1', '--profile', profile], {
      PARLEY_FAKE_SAVE_SERVER: 'ws://127.0.0.1:2',
    })
    expect(first.reports.find((r) => r.channel === 'settings:update')?.result).toMatchObject({ ok: true })
    const second = await runMain(['--profile', profile])
    const state = second.reports.find((r) => r.channel === 'session:get-state')?.result
    expect(state).toMatchObject({ ok: true, value: { serverUrl: 'ws://127.0.0.1:2' } })
  }, 60_000)
})
