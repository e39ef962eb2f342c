import { expect, test } from './fixtures'
import {
  closeMessageMenu,
  filesContaining,
  marker,
  message,
  openChat,
  openMessageMenu,
  pairUp,
  send,
  storedMessages,
  withdraw,
} from './parley'

test('a withdrawn message disappears for Bob, leaves a notice, leaves no trace in his profile, and can be re-edited', async ({
  launchClient,
}) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a] = await pairUp(alice, bob)

  const kept = marker('this one stays')
  const secret = marker('withdraw me')
  await send(alice.page, kept)
  await send(alice.page, secret)
  await openChat(bob.page, a)
  await expect(message(bob.page, secret)).toHaveCount(1)
  await expect(message(alice.page, secret)).toHaveAttribute('data-state', 'delivered')
  // The scan below must be able to see the text when it is there.
  expect(filesContaining(bob.profileDir, secret)).not.toEqual([])

  // Only the author is offered the action.
  await openMessageMenu(bob.page, message(bob.page, secret))
  await expect(bob.page.getByTestId('withdraw')).toHaveCount(0)
  await closeMessageMenu(bob.page)

  await withdraw(alice.page, message(alice.page, secret))

  await expect(message(bob.page, secret)).toHaveCount(0)
  await expect(bob.page.getByTestId('notice').filter({ hasText: `${a} withdrew a message` })).toBeVisible()
  await expect(message(bob.page, kept)).toHaveCount(1)
  await expect(message(alice.page, secret)).toHaveCount(0)
  await expect(alice.page.getByTestId('notice').filter({ hasText: 'You withdrew a message' })).toBeVisible()

  // Not in the database, its WAL, the search index or anything else in the profile.
  expect(filesContaining(bob.profileDir, secret)).toEqual([])
  const bobsRows = storedMessages(bob.profileDir)
  expect(bobsRows.some((m) => m.text === kept)).toBe(true)
  expect(bobsRows.filter((m) => m.kind === 'notice')).toHaveLength(1)

  await alice.page.getByTestId('re-edit').click()
  await expect(alice.page.getByTestId('composer')).toHaveValue(secret)
})

test('once the recall window has passed, withdraw is no longer offered and the server refuses it', async ({
  launchClient,
  startServer,
}) => {
  const server = await startServer({ recallWindowSeconds: 1 })
  const [alice, bob] = [await launchClient('alice', { server }), await launchClient('bob', { server })]
  const [a] = await pairUp(alice, bob)

  // 1. The UI stops offering the action when the window closes.
  const old = marker('too old')
  await send(alice.page, old)
  await expect(message(alice.page, old)).toHaveAttribute('data-state', /sent|delivered/)
  await expect
    .poll(async () => {
      await openMessageMenu(alice.page, message(alice.page, old))
      const offered = await alice.page.getByTestId('withdraw').count()
      await closeMessageMenu(alice.page)
      return offered
    })
    .toBe(0)

  // 2. A withdraw confirmed too late is refused by the server. The page's clock is
  // frozen so the UI still offers the action while the real window runs out.
  await alice.page.clock.setFixedTime(await alice.page.evaluate(() => Date.now()))
  const late = marker('confirmed too late')
  await send(alice.page, late)
  await expect(message(alice.page, late)).toHaveAttribute('data-state', /sent|delivered/)
  await openMessageMenu(alice.page, message(alice.page, late))
  await alice.page.getByTestId('withdraw').click()
  await expect(alice.page.getByTestId('confirm-withdraw')).toBeVisible()

  const sentAt = storedMessages(alice.profileDir).find((m) => m.text === late)!.ts
  await expect.poll(() => Date.now(), { message: 'waiting for the recall window to close' }).toBeGreaterThan(sentAt + 1_500)
  await alice.page.getByTestId('confirm-withdraw').click()

  await expect(alice.page.getByTestId('error')).toContainText('Too late to withdraw')
  await expect(message(alice.page, late)).toHaveCount(1)
  await openChat(bob.page, a)
  await expect(message(bob.page, late)).toHaveCount(1)
  await expect(bob.page.getByTestId('notice')).toHaveCount(0)
})
