import { expect, test } from './fixtures'
import { conversationWith, marker, message, send, signUpAll } from './parley'

/**
 * A 480 px window: the chat list, or one chat, each across the whole width (not a chat
 * squeezed to 180 px beside a 300 px list, its composer wrapping one word per line).
 */
test('a narrow window shows the list or the chat at full width, with a way back to the list', async ({
  launchClient,
}, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'sizes the page through the browser viewport; a desktop window is sized by the app')
  const [alice, bob] = [await launchClient('alice'), await launchClient('bob')]
  const page = alice.page
  await page.setViewportSize({ width: 480, height: 720 })
  const [, b] = await signUpAll([alice, bob])

  await page.getByTestId('new-chat').click()
  await page.getByTestId('new-chat-username').fill(b)
  await page.getByTestId('new-chat-start').click()

  // The chat replaces the list.
  const chat = page.getByTestId('chat')
  await expect(chat).toBeVisible()
  await expect(page.getByTestId('new-chat')).toBeHidden()
  expect((await chat.boundingBox())?.width).toBe(480)

  // A sentence fits on one line of the composer: typing it does not make the box taller.
  const composer = page.getByTestId('composer')
  await expect(composer).toBeFocused()
  const empty = await composer.boundingBox()
  expect(empty?.width).toBeGreaterThan(300)
  const text = `Write a message ${marker('x').slice(0, 12)}`
  await composer.fill(text)
  expect((await composer.boundingBox())?.height).toBe(empty?.height)
  await send(page, text)
  await expect(message(page, text)).toBeVisible()

  // Back: the list across the whole width, the chat closed, focus on the chat just left.
  await page.getByTestId('back-to-list').click()
  const item = conversationWith(page, b)
  await expect(item).toBeVisible()
  await expect(item).toBeFocused()
  await expect(chat).toHaveCount(0)
  expect((await item.boundingBox())?.width).toBe(480)

  // Wide enough for both: side by side, no back button.
  await page.setViewportSize({ width: 900, height: 720 })
  await item.click()
  await expect(chat).toBeVisible()
  await expect(item).toBeVisible()
  await expect(page.getByTestId('back-to-list')).toHaveCount(0)
})
