/**
 * 5. Long history in browser mode: Alice's profile holds 100,000 messages with Bob; the
 * real browser-mode host (`src/main/web/cli.ts`) serves the built renderer to Chromium.
 * Measured in the page:
 *
 * - opening the conversation: from the click until the newest message is on screen, and
 *   how many message elements are mounted then (and after scrolling);
 * - a withdraw: Bob sends a message, then withdraws it; from the moment the page receives
 *   `message:withdrawn` until the message's element is gone;
 * - scrolling back through history (older pages loading as it goes): the time between
 *   animation frames.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { WEB_READY, waitForReadyLine } from '../scripts/lib/ready-line.mjs'
import { chromiumArgs, chromiumPath } from '../e2e/chromium'
import { directConversationId } from '../src/shared/protocol'
import { ROOT, startChild } from './lib/child'
import { buildProfile } from './lib/profile'
import { RawClient } from './lib/raw-client'
import { sendAllAcked, sendFrames, withdrawFrames } from './lib/sender'
import { seedAccounts } from './lib/server-seed'
import { round, summarize } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'
import { UNTHROTTLED } from './relay'

// The page functions below run in Chromium. These are the few DOM names they use: the
// Node project has no DOM types, and adding them globally would hide mistakes elsewhere.
interface PageElement {
  click(): void
  getBoundingClientRect(): { top: number; bottom: number; height: number }
  scrollTop: number
  scrollHeight: number
}
declare const document: {
  querySelector(selector: string): PageElement | null
  querySelectorAll(selector: string): { length: number }
  body: unknown
}
declare const window: unknown
declare function requestAnimationFrame(callback: (now: number) => void): number
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void }

const MESSAGES = 100_000

/**
 * Stamps every bridge event the page receives, before the app's own handler sees it. And
 * tsx (esbuild's keepNames) wraps named functions in `__name(...)`, which the functions
 * handed to page.evaluate then call in the page: it is defined there as the identity.
 */
const PAGE_SETUP = `(() => {
  globalThis.__name = (fn) => fn
  const Native = window.WebSocket
  window.__withdrawnAt = {}
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (e) => {
        try {
          const f = JSON.parse(e.data)
          if (f.t === 'event' && f.name === 'message:withdrawn') window.__withdrawnAt[f.payload.messageId] = performance.now()
        } catch {}
      })
    }
  }
})()`

function startBrowserMode(serverUrl: string, profileDir: string, logFile: string): Promise<{ url: string; child: ChildProcess }> {
  const logFd = openSync(logFile, 'a')
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/web/cli.ts', '--server', serverUrl, '--profile', profileDir, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', logFd],
    env: { ...process.env, PARLEY_LOG_LEVEL: 'info' },
  })
  closeSync(logFd)
  return waitForReadyLine(child, WEB_READY, { timeoutMs: 60_000, label: 'browser mode' }).then((url) => ({ url, child }))
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export const longHistory: Benchmark = {
  name: 'long-history',
  title: 'Long history in browser mode (100,000 messages)',
  unavailable: () => (existsSync(chromiumPath) ? null : `no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`),
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const withdrawRounds = quick ? 5 : 20
    const scrollMs = quick ? 2_000 : 4_000
    log('building the renderer if needed')
    const build = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 })
    if (build.status !== 0) throw new Error('the renderer build failed')

    const dataDir = path.join(workDir, 'server')
    const [alice, bob] = await seedAccounts(dataDir, ['alice', 'bob'])
    const profileDir = path.join(workDir, 'alice')
    const built = buildProfile(profileDir, {
      me: 'alice',
      peers: ['bob'],
      count: MESSAGES,
      session: { token: alice!.token, deviceId: alice!.deviceId },
    })
    log(`profile with ${MESSAGES} messages built`)

    const server = await startChild('bench/children/parley-server.ts', { dataDir, limits: UNTHROTTLED, recallWindowSeconds: 0 }, path.join(workDir, 'server.log'))
    let web: ChildProcess | null = null
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    let sender: RawClient | null = null
    try {
      const started = await startBrowserMode(server.url, profileDir, path.join(workDir, 'web.log'))
      web = started.child
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await page.addInitScript(PAGE_SETUP)
      await page.goto(started.url)
      await page.locator('[data-testid=connection-status][data-state=online]').waitFor({ timeout: 30_000 })
      await page.locator('[data-testid=conversation][data-peer=bob]').waitFor({ timeout: 30_000 })

      // ------------------------------------------------------------ open the conversation
      const opened = await page.evaluate(async (newestId) => {
        const t0 = performance.now()
        ;document.querySelector('[data-testid=conversation][data-peer=bob]')!.click()
        await new Promise<void>((resolve) => {
          const check = () => {
            const el = document.querySelector(`[data-testid=message][data-message-id="${newestId}"]`)
            const list = document.querySelector('[data-testid=message-list]')
            if (el && list) {
              const r = el.getBoundingClientRect()
              const v = list.getBoundingClientRect()
              if (r.height > 0 && r.bottom <= v.bottom + 1 && r.top >= v.top - 1) return resolve()
            }
            requestAnimationFrame(check)
          }
          check()
        })
        const visibleMs = performance.now() - t0
        // let the list settle (measurements, follow-up layout) before counting
        await new Promise((r) => setTimeout(r, 500))
        return { visibleMs, mounted: document.querySelectorAll('[data-testid=message]').length }
      }, built.newestId)
      log(`newest visible after ${round(opened.visibleMs, 1)} ms, ${opened.mounted} message elements`)

      // ------------------------------------------------------------ withdraws arriving
      sender = await RawClient.connect(server.url, bob!.token)
      sender.onFrame = () => {}
      const conversationId = directConversationId('alice', 'bob')
      const disappear: number[] = []
      for (let i = 0; i < withdrawRounds; i++) {
        const [frame] = sendFrames(conversationId, [`live message ${i} that Bob will take back`])
        await sendAllAcked(sender, [frame!])
        await page.locator(`[data-testid=message][data-message-id="${frame!.id}"]`).waitFor({ timeout: 20_000 })
        const gone = page.evaluate(
          (id) =>
            new Promise<number>((resolve) => {
              const at = () => (window as unknown as { __withdrawnAt: Record<string, number> }).__withdrawnAt[id]
              const check = () => {
                const arrived = at()
                if (arrived !== undefined && !document.querySelector(`[data-testid=message][data-message-id="${id}"]`)) {
                  resolve(performance.now() - arrived)
                  return
                }
                requestAnimationFrame(check)
              }
              new MutationObserver(() => {
                const arrived = at()
                if (arrived !== undefined && !document.querySelector(`[data-testid=message][data-message-id="${id}"]`)) {
                  resolve(performance.now() - arrived)
                }
              }).observe(document.body, { childList: true, subtree: true })
              check()
            }),
          frame!.id,
        )
        await sendAllAcked(sender, withdrawFrames(conversationId, [frame!.id]))
        disappear.push(await gone)
      }
      const gone = summarize(disappear)
      log(`withdrawn message gone ${round(gone.p50, 1)} ms after its event (p50)`)

      // ------------------------------------------------------------ scrolling back
      const scrolled = await page.evaluate(async (durationMs) => {
        const list = document.querySelector('[data-testid=message-list]')!
        const deltas: number[] = []
        let maxMounted = 0
        await new Promise<void>((resolve) => {
          const start = performance.now()
          let last = start
          const frame = (now: number) => {
            deltas.push(now - last)
            last = now
            maxMounted = Math.max(maxMounted, document.querySelectorAll('[data-testid=message]').length)
            // a brisk flick upwards, every frame: older pages load as the top comes near
            list.scrollTop = Math.max(0, list.scrollTop - 300)
            if (now - start < durationMs) requestAnimationFrame(frame)
            else resolve()
          }
          requestAnimationFrame(frame)
        })
        return { deltas: deltas.slice(1), maxMounted, scrollHeight: list.scrollHeight }
      }, scrollMs)
      const frames = summarize(scrolled.deltas)
      const slowFrames = scrolled.deltas.filter((d) => d > 50).length
      log(`scroll frames p50 ${round(frames.p50, 1)} ms, p99 ${round(frames.p99, 1)} ms, max ${round(frames.max, 1)} ms`)

      const mountedMax = Math.max(opened.mounted, scrolled.maxMounted)
      return {
        figures: [
          { measure: 'newest messages visible after opening', value: round(opened.visibleMs, 1), unit: 'ms', target: '<= 500 ms', pass: opened.visibleMs <= 500 },
          { measure: 'message elements mounted (most seen)', value: mountedMax, unit: '', target: '<= 100', pass: mountedMax <= 100 },
          { measure: 'withdrawn message gone after its event p50', value: round(gone.p50, 1), unit: 'ms' },
          { measure: 'withdrawn message gone after its event max', value: round(gone.max, 1), unit: 'ms' },
          { measure: 'scroll frame time p50', value: round(frames.p50, 1), unit: 'ms' },
          { measure: 'scroll frame time p99', value: round(frames.p99, 1), unit: 'ms' },
        ],
        details: {
          messages: MESSAGES,
          mountedAfterOpen: opened.mounted,
          mountedWhileScrolling: scrolled.maxMounted,
          withdrawRounds,
          disappearMs: gone,
          scroll: { durationMs: scrollMs, frames: frames, framesOver50ms: slowFrames, scrollHeightAfter: scrolled.scrollHeight },
        },
      }
    } finally {
      await sender?.close()
      await browser.close()
      if (web) await stop(web)
      await server.stop()
    }
  },
}
