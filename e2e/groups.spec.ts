/**
 * Groups with three people at their screens (an owner, an admin, a member) and a fourth
 * who stays offline throughout and signs in at the end. Withdraws by the author and by a
 * moderator, a member's attempt refused by the server, a removal that cuts the removed
 * member off, and what is (and is not) on each device's disk afterwards.
 */
import { WebSocket } from 'ws'
import { newId } from '../src/shared/ids'
import { REVOKE_FLAG, type ServerFrame, WS_PATH, PROTOCOL_VERSION } from '../src/shared/protocol'
import { expect, test, type Client } from './fixtures'
import type { Locator, Page } from '@playwright/test'
import {
  conversationWith,
  filesContaining,
  marker,
  message,
  openChat,
  openMessageMenu,
  PASSWORD,
  send,
  signIn,
  signUpAll,
  startChat,
  storedMessages,
  uniqueName,
  withdraw,
} from './parley'

function groupConversation(page: Page, name: string): Locator {
  return page.getByTestId('conversation').and(page.locator('[data-kind="group"]')).filter({ hasText: name })
}

async function createGroup(page: Page, name: string, members: string[]): Promise<void> {
  await page.getByTestId('new-group').click()
  await page.getByTestId('group-name').fill(name)
  await page.getByTestId('group-members').fill(members.join(', '))
  await page.getByTestId('group-create').click()
  await expect(page.getByTestId('group-header')).toContainText(name)
  await expect(page.getByTestId('member-count')).toHaveText(`${members.length + 1} members`)
}

async function openGroup(page: Page, name: string): Promise<void> {
  await groupConversation(page, name).click()
  await expect(page.getByTestId('group-header')).toContainText(name)
}

/** The members panel of the open group. */
async function openMembers(page: Page): Promise<Locator> {
  const panel = page.getByTestId('group-panel')
  if (!(await panel.isVisible())) await page.getByTestId('member-count').click()
  await expect(panel).toBeVisible()
  return panel
}

function member(page: Page, username: string): Locator {
  return page.getByTestId('member').and(page.locator(`[data-username="${username}"]`))
}

function notice(page: Page, text: string | RegExp): Locator {
  return page.getByTestId('notice').filter({ hasText: text })
}

/** A bare protocol client for `username` (a new device): what a tampered app could send. */
async function rawClient(serverUrl: string, username: string) {
  const httpUrl = serverUrl.replace(/^ws/, 'http')
  const res = await fetch(`${httpUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, deviceId: newId() }),
  })
  expect(res.status).toBe(200)
  const { token } = (await res.json()) as { token: string }
  const ws = new WebSocket(serverUrl + WS_PATH, { headers: { authorization: `Bearer ${token}` } })
  const frames: ServerFrame[] = []
  const waiters: Array<() => void> = []
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as ServerFrame)
    for (const w of waiters.splice(0)) w()
  })
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject))
  const next = async (match: (f: ServerFrame) => boolean): Promise<ServerFrame> => {
    for (;;) {
      const found = frames.find(match)
      if (found) return found
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION }))
  await next((f) => f.type === 'welcome')
  return {
    async request(frame: { id: string } & Record<string, unknown>): Promise<ServerFrame> {
      ws.send(JSON.stringify(frame))
      return next((f) => (f.type === 'ack' || f.type === 'error') && f.id === frame.id)
    },
    close: () => ws.close(),
  }
}

async function signUpOverHttp(serverUrl: string, username: string): Promise<void> {
  const res = await fetch(`${serverUrl.replace(/^ws/, 'http')}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, deviceId: newId() }),
  })
  expect(res.status).toBe(201)
}

const idOf = (client: Client, text: string) => storedMessages(client.profileDir).find((m) => m.text === text)!.id

/** The open chat's conversation id. */
async function groupIdOf(page: Page): Promise<string> {
  return (await page.getByTestId('chat').getAttribute('data-conversation-id'))!
}

test('group withdraws: by the author, by an admin with a reason, never by another member; an offline member catches up with no trace', async ({
  launchClient,
  server,
}) => {
  const [alice, bob, carol] = [await launchClient('alice'), await launchClient('bob'), await launchClient('carol')]
  const [a, b, c] = await signUpAll([alice, bob, carol])
  const d = uniqueName('dave')
  // Dave has an account and is never online until the end.
  await signUpOverHttp(server.url, d)
  const group = `Launch ${marker('crew').slice(-6)}`

  await createGroup(alice.page, group, [b, c, d])
  await openMembers(alice.page)
  await member(alice.page, b).getByTestId('member-promote').click()
  await expect(member(alice.page, b)).toHaveAttribute('data-role', 'admin')

  await openGroup(bob.page, group)
  await openGroup(carol.page, group)
  await expect(carol.page.getByTestId('member-count')).toHaveText('4 members')
  await expect(notice(carol.page, `${a} made ${b} an admin`)).toBeVisible()

  // 1. Carol withdraws her own message.
  const own = marker('carol takes this back')
  await send(carol.page, own)
  await expect(message(bob.page, own)).toHaveCount(1)
  expect(filesContaining(bob.profileDir, own)).not.toEqual([])
  await withdraw(carol.page, message(carol.page, own))
  await expect(message(bob.page, own)).toHaveCount(0)
  await expect(notice(bob.page, `${c} withdrew a message`)).toBeVisible()
  await expect.poll(() => filesContaining(bob.profileDir, own)).toEqual([])

  // 2. Bob, an admin, removes Carol's message for everyone, with a reason.
  const offTopic = marker('off topic')
  await send(carol.page, offTopic)
  await expect(message(bob.page, offTopic)).toHaveCount(1)
  await expect(message(alice.page, offTopic)).toHaveCount(1)
  await openMessageMenu(bob.page, message(bob.page, offTopic))
  await expect(bob.page.getByTestId('withdraw')).toHaveText('Remove for everyone')
  await bob.page.getByTestId('withdraw').click()
  await bob.page.getByTestId('withdraw-reason').fill('not for this group')
  await bob.page.getByTestId('confirm-withdraw').click()
  await expect(message(carol.page, offTopic)).toHaveCount(0)
  await expect(notice(carol.page, `Admin ${b} withdrew your message`)).toContainText('Reason: not for this group')
  await expect(notice(alice.page, `Admin ${b} withdrew a message from ${c}`)).toBeVisible()
  await expect(notice(bob.page, `You withdrew a message from ${c}`)).toBeVisible()
  for (const client of [alice, bob, carol]) await expect.poll(() => filesContaining(client.profileDir, offTopic)).toEqual([])

  // 3. Carol may not withdraw Alice's message: not offered, and refused by the server.
  const alices = marker('alice keeps this')
  await send(alice.page, alices)
  await expect(message(carol.page, alices)).toHaveCount(1)
  await openMessageMenu(carol.page, message(carol.page, alices))
  await expect(carol.page.getByTestId('withdraw')).toHaveCount(0)
  await carol.page.keyboard.press('Escape')
  const tampered = await rawClient(server.url, c)
  const cmdId = newId()
  const refusal = await tampered.request({
    type: 'cmd',
    id: cmdId,
    conversationId: await groupIdOf(alice.page),
    chatType: 'GroupChat',
    action: REVOKE_FLAG,
    ext: { msgId: idOf(alice, alices) },
  })
  tampered.close()
  expect(refusal).toMatchObject({ type: 'error', id: cmdId, code: 'NOT_ALLOWED' })
  for (const client of [alice, bob, carol]) await expect(message(client.page, alices)).toHaveCount(1)

  // 4. Dave, offline through all of it, signs in on a new device.
  const dave = await launchClient('dave')
  await signIn(dave.page, d)
  await openGroup(dave.page, group)
  await expect(message(dave.page, alices)).toHaveCount(1)
  await expect(notice(dave.page, `${c} withdrew a message`)).toBeVisible()
  await expect(notice(dave.page, `Admin ${b} withdrew a message from ${c}`)).toContainText('Reason: not for this group')
  await openMembers(dave.page)
  await expect(member(dave.page, a)).toHaveAttribute('data-role', 'owner')
  await expect(member(dave.page, b)).toHaveAttribute('data-role', 'admin')
  await expect(member(dave.page, d)).toHaveAttribute('data-role', 'member')
  for (const secret of [own, offTopic]) await expect.poll(() => filesContaining(dave.profileDir, secret)).toEqual([])
})

test('a member removed from the group gets neither later messages nor later withdraws, and keeps what she had', async ({
  launchClient,
}) => {
  const [alice, bob, carol] = [await launchClient('alice'), await launchClient('bob'), await launchClient('carol')]
  const [a, b, c] = await signUpAll([alice, bob, carol])
  const group = `Crew ${marker('g').slice(-6)}`
  await createGroup(alice.page, group, [b, c])
  await openMembers(alice.page)
  await member(alice.page, b).getByTestId('member-promote').click()
  await expect(member(alice.page, b)).toHaveAttribute('data-role', 'admin')
  // the owner cannot leave while others remain
  await expect(alice.page.getByTestId('group-leave')).toBeDisabled()

  await openGroup(carol.page, group)
  const before = marker('before the removal')
  await send(alice.page, before)
  await expect(message(carol.page, before)).toHaveCount(1)

  await openGroup(bob.page, group)
  await openMembers(bob.page)
  // an admin may not remove the owner
  await expect(member(bob.page, a).getByTestId('member-remove')).toHaveCount(0)
  await member(bob.page, c).getByTestId('member-remove').click()
  await expect(member(bob.page, c)).toHaveCount(0)
  await expect(bob.page.getByTestId('member-count')).toHaveText('2 members')
  await expect(notice(carol.page, `${b} removed you`)).toBeVisible()
  await expect(carol.page.getByTestId('not-member')).toBeVisible()
  await expect(carol.page.getByTestId('composer')).toHaveCount(0)

  const after = marker('after the removal')
  await send(alice.page, after)
  await withdraw(alice.page, message(alice.page, before))
  await expect(message(bob.page, after)).toHaveCount(1)
  await expect(notice(bob.page, `${a} withdrew a message`)).toBeVisible()

  // A message in Carol's log after both: once it is there, anything for her before it is too.
  await startChat(alice.page, c)
  const ping = marker('ping')
  await send(alice.page, ping)
  await expect(conversationWith(carol.page, a)).toBeVisible()
  await openChat(carol.page, a)
  await expect(message(carol.page, ping)).toHaveCount(1)

  await openGroup(carol.page, group)
  await expect(message(carol.page, before)).toHaveCount(1)
  await expect(message(carol.page, after)).toHaveCount(0)
  const carolsRows = storedMessages(carol.profileDir)
  expect(carolsRows.some((m) => m.text === before)).toBe(true)
  expect(carolsRows.some((m) => m.text === after)).toBe(false)
  await expect.poll(() => filesContaining(carol.profileDir, after)).toEqual([])
})
