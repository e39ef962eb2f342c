/**
 * What a person does in Parley, in data-testid locators (the public seams:
 * docs/architecture.md, listed in docs/testing.md), plus what the tests check on disk.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { expect, type Locator, type Page } from '@playwright/test'
import type { Client } from './fixtures'

export const PASSWORD = 'correct horse battery staple'

/** Usernames are unique per test: the worker's server outlives a test. */
export function uniqueName(base: string): string {
  return `${base}_${randomBytes(4).toString('hex')}`
}

/** A random marker to look for in the UI and, as bytes, on disk. */
export function marker(label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`
}

export function connectionStatus(page: Page): Locator {
  return page.getByTestId('connection-status')
}

export async function signUp(page: Page, username: string): Promise<void> {
  await page.getByTestId('username').fill(username)
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('sign-up').click()
  await expect(connectionStatus(page)).toHaveAttribute('data-state', 'online')
}

/** Sign in to an existing account (on this client's fresh profile: a new device). */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.getByTestId('username').fill(username)
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('sign-in').click()
  await expect(connectionStatus(page)).toHaveAttribute('data-state', 'online')
}

/** A launched client: its label (the base of its username) and its window. */
export type Person = Pick<Client, 'name' | 'page'>

/** Every person signs up (all at once) as a fresh user named after its label; their usernames, in order. */
export async function signUpAll<const T extends readonly Person[]>(people: T): Promise<{ -readonly [K in keyof T]: string }> {
  const usernames = await Promise.all(
    people.map(async (person) => {
      const username = uniqueName(person.name)
      await signUp(person.page, username)
      return username
    }),
  )
  return usernames as { -readonly [K in keyof T]: string }
}

/** Alice and Bob sign up and Alice opens a chat with Bob (Bob sees it once a message arrives); their usernames. */
export async function pairUp(alice: Person, bob: Person): Promise<[string, string]> {
  const [a, b] = await signUpAll([alice, bob])
  await startChat(alice.page, b)
  return [a, b]
}

export function conversationWith(page: Page, peer: string): Locator {
  return page.getByTestId('conversation').and(page.locator(`[data-peer="${peer}"]`))
}

export async function startChat(page: Page, peer: string): Promise<void> {
  await page.getByTestId('new-chat').click()
  await page.getByTestId('new-chat-username').fill(peer)
  await page.getByTestId('new-chat-start').click()
  await expect(conversationWith(page, peer)).toBeVisible()
  await expect(page.getByTestId('composer')).toBeVisible()
}

export async function openChat(page: Page, peer: string): Promise<void> {
  await conversationWith(page, peer).click()
  await expect(page.getByTestId('composer')).toBeVisible()
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer').fill(text)
  await page.getByTestId('send').click()
}

/** The `message` element whose text is exactly `text`. */
export function message(page: Page, text: string): Locator {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) })
}

export async function openMessageMenu(page: Page, target: Locator): Promise<void> {
  // The menu button may only show on hover.
  await target.hover()
  await target.getByTestId('message-menu').click()
}

export async function closeMessageMenu(page: Page): Promise<void> {
  await page.keyboard.press('Escape')
}

export async function withdraw(page: Page, target: Locator): Promise<void> {
  await openMessageMenu(page, target)
  await page.getByTestId('withdraw').click()
  await page.getByTestId('confirm-withdraw').click()
}

// ---------------------------------------------------------------- on disk

export interface StoredMessage {
  id: string
  sender: string
  kind: string
  text: string | null
  state: string | null
  ts: number
}

/**
 * The profile's messages, read from `DIR/parley.db` read-only. The connection is
 * closed at once: an open reader would hold back the client's WAL checkpoints.
 */
export function storedMessages(profileDir: string): StoredMessage[] {
  const db = new Database(path.join(profileDir, 'parley.db'), { readonly: true, fileMustExist: true })
  try {
    return db
      .prepare('SELECT id, sender, kind, text, state, ts FROM messages ORDER BY ts, id')
      .all() as StoredMessage[]
  } finally {
    db.close()
  }
}

/** Every file under `dir` (recursively) whose bytes contain `needle` as UTF-8 or UTF-16. */
export function filesContaining(dir: string, needle: string): string[] {
  const patterns = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]
  const hits: string[] = []
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) {
        const bytes = readFileSync(full)
        if (patterns.some((p) => bytes.includes(p))) hits.push(path.relative(dir, full))
      }
    }
  }
  walk(dir)
  return hits
}
