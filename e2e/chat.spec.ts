import { expect, test } from './fixtures'
import {
  connectionStatus,
  marker,
  message,
  openChat,
  pairUp,
  send,
  storedMessages,
} from './parley'

test('two people chat both ways, with delivery state, and each profile keeps the messages on disk', async ({
  launchClient,
}) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a, b] = await pairUp(alice, bob)
  const hello = marker('hello bob')
  await send(alice.page, hello)
  await expect(message(alice.page, hello)).toHaveAttribute('data-mine', 'true')

  await openChat(bob.page, a)
  await expect(message(bob.page, hello)).toHaveCount(1)
  await expect(message(bob.page, hello)).toHaveAttribute('data-mine', 'false')
  // Delivered = Bob's device committed it and told the server.
  await expect(message(alice.page, hello)).toHaveAttribute('data-state', 'delivered')

  const reply = marker('hi alice')
  await send(bob.page, reply)
  await expect(message(alice.page, reply)).toHaveCount(1)
  await expect(message(alice.page, reply)).toHaveAttribute('data-mine', 'false')
  await expect(message(bob.page, reply)).toHaveAttribute('data-state', 'delivered')

  for (const profile of [alice.profileDir, bob.profileDir]) {
    const texts = storedMessages(profile).filter((m) => m.kind === 'text')
    expect(texts.map((m) => [m.sender, m.text])).toEqual([
      [a, hello],
      [b, reply],
    ])
  }
})

test('a server restart: clients go offline, come back online, and a message typed offline arrives once', async ({
  launchClient,
  server,
}) => {
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const [a] = await pairUp(alice, bob)
  const before = marker('before restart')
  await send(alice.page, before)
  await openChat(bob.page, a)
  await expect(message(bob.page, before)).toHaveCount(1)

  await server.stop()
  await expect(connectionStatus(alice.page)).toHaveAttribute('data-state', 'offline')
  await expect(connectionStatus(bob.page)).toHaveAttribute('data-state', 'offline')

  const offline = marker('typed offline')
  await send(alice.page, offline)
  await expect(message(alice.page, offline)).toHaveAttribute('data-state', 'sending')

  await server.start()
  await expect(connectionStatus(alice.page)).toHaveAttribute('data-state', 'online', { timeout: 60_000 })
  await expect(connectionStatus(bob.page)).toHaveAttribute('data-state', 'online', { timeout: 60_000 })
  await expect(message(alice.page, offline)).toHaveAttribute('data-state', 'delivered')
  await expect(message(bob.page, offline)).toHaveCount(1)

  // Once on screen and once on disk, on both ends: the outbox resend was deduplicated.
  for (const profile of [alice.profileDir, bob.profileDir]) {
    expect(storedMessages(profile).filter((m) => m.text === offline)).toHaveLength(1)
  }
  await expect(message(bob.page, before)).toHaveCount(1)
})
