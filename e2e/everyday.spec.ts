/**
 * Issue 7, "a messenger people would use every day": notifications, search, replies,
 * language and settings, each checked against withdraw: a withdrawn message leaves no
 * notification, no search hit and no quoted text behind.
 */
import { randomInt } from 'node:crypto'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import {
  filesContaining,
  marker,
  message,
  openChat,
  openMessageMenu,
  pairUp,
  send,
  signIn,
  signUp,
  uniqueName,
  withdraw,
} from './parley'

/** A string of random CJK ideographs: Chinese text no other test (or filler) contains. */
function chineseMarker(length = 6): string {
  return Array.from({ length }, () => String.fromCodePoint(0x4e00 + randomInt(0x5000))).join('')
}

interface SeenNotification {
  title: string
  body: string
  tag: string
  closed: boolean
}

/**
 * Browser mode shows notifications with the web Notification API: replace it before the
 * page loads with one that records what the page does, already permitted, and make the
 * page believe it is in the background (Playwright pages always have focus).
 */
async function observeNotifications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Array<{ title: string; body: string; tag: string; closed: boolean; target: EventTarget }> = []
    class RecordingNotification extends EventTarget {
      static readonly permission = 'granted'
      static requestPermission(): Promise<string> {
        return Promise.resolve('granted')
      }
      private readonly entry: (typeof seen)[number]
      constructor(title: string, options: { body?: string; tag?: string } = {}) {
        super()
        this.entry = { title, body: options.body ?? '', tag: options.tag ?? '', closed: false, target: this }
        seen.push(this.entry)
      }
      close(): void {
        this.entry.closed = true
      }
    }
    // Runs in the page; this file is type-checked without the DOM library, hence globalThis.
    Object.defineProperty(globalThis, 'Notification', { value: RecordingNotification, configurable: true })
    Object.defineProperty(globalThis, '__notifications', { value: seen })
    ;(globalThis as unknown as { document: { hasFocus(): boolean } }).document.hasFocus = () => false
  })
}

async function notifications(page: Page): Promise<SeenNotification[]> {
  return page.evaluate(() =>
    (globalThis as unknown as { __notifications: SeenNotification[] }).__notifications.map(({ title, body, tag, closed }) => ({
      title,
      body,
      tag,
      closed,
    })),
  )
}

async function searchFor(page: Page, query: string, opts: { thisChat?: boolean } = {}): Promise<void> {
  const box = page.getByTestId('search')
  await box.fill(query)
  const scope = page.getByTestId('search-this-chat')
  if ((await scope.count()) > 0 && (await scope.isChecked()) !== Boolean(opts.thisChat)) await scope.setChecked(Boolean(opts.thisChat))
  await box.press('Enter')
  await expect(page.getByTestId('search-status')).not.toHaveText(/Searching|正在搜索/)
}

async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('settings').click()
  await expect(page.getByTestId('settings-dialog')).toBeVisible()
}

async function closeSettings(page: Page): Promise<void> {
  await page.getByTestId('settings-close').click()
  await expect(page.getByTestId('settings-dialog')).toBeHidden()
}

test('a notification of a message closes when that message is withdrawn; clicking one opens the chat', async ({
  launchClient,
}, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'observes the web Notification API, which only browser mode uses')
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob', { beforeLoad: observeNotifications })]
  const [a] = await pairUp(alice, bob)

  const secret = marker('notify then withdraw')
  await send(alice.page, secret)
  await expect.poll(() => notifications(bob.page)).toEqual([expect.objectContaining({ title: a, body: secret, closed: false })])
  const [shown] = await notifications(bob.page)
  await expect(bob.page).toHaveTitle('(1) Parley')

  await withdraw(alice.page, message(alice.page, secret))
  await expect.poll(async () => (await notifications(bob.page)).find((n) => n.tag === shown!.tag)?.closed).toBe(true)

  // Unread count and title follow the withdraw as well.
  await expect(bob.page).toHaveTitle('Parley')

  const next = marker('open me')
  await send(alice.page, next)
  await expect.poll(async () => (await notifications(bob.page)).filter((n) => !n.closed).map((n) => n.body)).toEqual([next])
  await expect(bob.page).toHaveTitle('(1) Parley')
  await bob.page.evaluate((body) => {
    const seen = (globalThis as unknown as { __notifications: Array<{ body: string; target: EventTarget }> }).__notifications
    seen.find((n) => n.body === body)!.target.dispatchEvent(new Event('click'))
  }, next)
  await expect(message(bob.page, next)).toBeVisible()
  await expect(bob.page.getByTestId('chat-title')).toHaveText(a)
})

test('search finds English and Chinese text, opens it in context, and finds nothing once it is withdrawn', async ({
  launchClient,
}) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a] = await pairUp(alice, bob)

  const english = marker('quarterly numbers')
  const chinese = `明天开会讨论${chineseMarker()}`
  const shortChinese = chinese.slice(-2)
  const kept = marker('kept around')
  await send(alice.page, english)
  await send(alice.page, chinese)
  await send(alice.page, kept)
  await openChat(bob.page, a)
  await expect(message(bob.page, kept)).toBeVisible()

  await searchFor(bob.page, english)
  await expect(bob.page.getByTestId('search-result')).toHaveCount(1)
  await searchFor(bob.page, chinese.slice(-5))
  await expect(bob.page.getByTestId('search-result')).toHaveCount(1)
  await expect(bob.page.getByTestId('search-result').locator('mark')).toHaveText(chinese.slice(-5))
  // Two characters are too few for the index across every chat, but fine within this one.
  await searchFor(bob.page, shortChinese)
  await expect(bob.page.getByTestId('search-status')).toHaveAttribute('data-mode', 'too-short')
  await searchFor(bob.page, shortChinese, { thisChat: true })
  await expect(bob.page.getByTestId('search-result')).toHaveCount(1)

  // A result opens its message in the conversation.
  await searchFor(bob.page, english)
  await bob.page.getByTestId('search-result').click()
  await expect(message(bob.page, english)).toBeFocused()

  await withdraw(alice.page, message(alice.page, english))
  await withdraw(alice.page, message(alice.page, chinese))
  await expect(message(bob.page, chinese)).toHaveCount(0)

  for (const [query, thisChat] of [
    [english, false],
    [chinese.slice(-5), false],
    [chinese, false],
    [shortChinese, true],
  ] as const) {
    await searchFor(bob.page, query, { thisChat })
    await expect(bob.page.getByTestId('search-result')).toHaveCount(0)
    await expect(bob.page.getByTestId('search-status')).toHaveText('No messages found.')
  }
  await searchFor(bob.page, kept)
  await expect(bob.page.getByTestId('search-result')).toHaveCount(1)
  // Gone from the index on disk too.
  expect(filesContaining(bob.profileDir, english)).toEqual([])
  expect(filesContaining(bob.profileDir, chinese)).toEqual([])
})

test('every quote of a withdrawn message says so, on every device, including one that signs in later', async ({
  launchClient,
}) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a, b] = await pairUp(alice, bob)

  const original = marker('meet at the old station')
  await send(alice.page, original)
  await openChat(bob.page, a)
  await openMessageMenu(bob.page, message(bob.page, original))
  await bob.page.getByTestId('reply').click()
  await expect(bob.page.getByTestId('reply-preview')).toContainText(original)
  const answer = marker('on my way')
  await send(bob.page, answer)
  await expect(bob.page.getByTestId('reply-preview')).toHaveCount(0)

  for (const page of [alice.page, bob.page]) {
    await expect(message(page, answer).getByTestId('quote-text')).toHaveText(original)
  }

  await withdraw(alice.page, message(alice.page, original))
  for (const page of [alice.page, bob.page]) {
    await expect(message(page, answer).getByTestId('quote')).toHaveAttribute('data-quote-state', 'withdrawn')
    await expect(message(page, answer).getByTestId('quote-text')).toHaveText('Original message was withdrawn')
    await expect(page.getByText(original)).toHaveCount(0)
  }

  // Bob's laptop gets the reply from the server's log; the original was purged from it.
  const laptop = await launchClient('bob-laptop')
  await signIn(laptop.page, b)
  await openChat(laptop.page, a)
  await expect(message(laptop.page, answer).getByTestId('quote-text')).toHaveText('Original message was withdrawn')
  expect(filesContaining(laptop.profileDir, original)).toEqual([])
  expect(filesContaining(bob.profileDir, original)).toEqual([])
})

test('switching the language to Chinese shows withdraw notices in Chinese', async ({ launchClient }) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a] = await pairUp(alice, bob)

  await openSettings(bob.page)
  await bob.page.getByTestId('settings-language').selectOption('zh-CN')
  await expect(bob.page.getByTestId('settings-dialog')).toContainText('语言')
  await closeSettings(bob.page)

  const secret = marker('撤回我')
  await send(alice.page, secret)
  await openChat(bob.page, a)
  await expect(message(bob.page, secret)).toBeVisible()
  await withdraw(alice.page, message(alice.page, secret))
  await expect(bob.page.getByTestId('notice').filter({ hasText: `${a} 撤回了一条消息` })).toBeVisible()
  await expect(bob.page.locator('html')).toHaveAttribute('lang', 'zh-CN')
  // Alice kept English.
  await expect(alice.page.getByTestId('notice').filter({ hasText: 'You withdrew a message' })).toBeVisible()
})

test('settings are kept in the profile across a restart', async ({ launchClient }) => {
  const bob = await launchClient('bob')
  const b = uniqueName('bob')
  await signUp(bob.page, b)

  await openSettings(bob.page)
  await bob.page.getByTestId('settings-theme').selectOption('dark')
  await bob.page.getByTestId('settings-withdraw-display').selectOption('silent')
  await bob.page.getByTestId('settings-notifications').uncheck()
  await bob.page.getByTestId('settings-language').selectOption('zh-CN')
  await closeSettings(bob.page)
  await expect(bob.page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await bob.close()

  // Same profile, new process (and in browser mode a new port: a new origin, so nothing
  // can come from the page's own storage).
  const again = await launchClient('bob-again', { profileDir: bob.profileDir })
  await expect(again.page.getByTestId('current-user')).toHaveText(b)
  await expect(again.page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await expect(again.page.locator('html')).toHaveAttribute('lang', 'zh-CN')
  await openSettings(again.page)
  await expect(again.page.getByTestId('settings-theme')).toHaveValue('dark')
  await expect(again.page.getByTestId('settings-withdraw-display')).toHaveValue('silent')
  await expect(again.page.getByTestId('settings-notifications')).not.toBeChecked()
  await expect(again.page.getByTestId('settings-language')).toHaveValue('zh-CN')
  await expect(again.page.getByTestId('settings-dialog')).toContainText('设置')
})
