/**
 * The renderer and the user in electron-main.test.ts: once the Electron entry (running on
 * testing/fake-electron.ts) loads its page, fetch it through the app protocol, try a path
 * outside it and a window.open, call the bridge over the registered IPC handlers (and once
 * from a foreign frame), use a menu item, then quit. Loaded with `--import` before the entry.
 */
import { app, fake, report } from './testing/fake-electron'

fake.onPageLoad(async (win, url) => {
  const scheme = new URL(url).protocol.replace(/:$/, '')
  const page = await fake.fetch(scheme, url)
  report('page', {
    url,
    status: page.status,
    contentType: page.headers.get('content-type'),
    csp: page.headers.get('content-security-policy'),
    body: (await page.text()).slice(0, 200),
  })
  const traversal = await fake.fetch(scheme, `${scheme}://app/%2e%2e/package.json`)
  report('traversal', { status: traversal.status })
  report('window-open', { result: win.webContents.openHandler?.({ url: 'https://example.com/' }) })

  report('channels', { channels: fake.channels() })
  report('invoke', { channel: 'session:get-state', result: await fake.invoke(win, 'session:get-state', {}) })
  if (process.env.PARLEY_FAKE_SAVE_SERVER) {
    const result = await fake.invoke(win, 'settings:update', { serverUrl: process.env.PARLEY_FAKE_SAVE_SERVER })
    report('invoke', { channel: 'settings:update', result })
  }
  if (process.env.PARLEY_FAKE_SIGN_UP !== '0') {
    const username = `fake_${process.pid}`
    report('invoke', {
      channel: 'session:sign-up',
      result: await fake.invoke(win, 'session:sign-up', { username, password: 'correct horse battery staple' }),
    })
  }
  const newChat = fake
    .applicationMenu()
    .flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []))
    .find((i) => i.accelerator === 'CmdOrCtrl+N')
  report('menu-item', { label: newChat?.label })
  newChat?.click?.(undefined as never, undefined, undefined as never)
  await new Promise((resolve) => setImmediate(resolve))
  const foreign = { url: 'https://evil.example/', parent: null }
  report('invoke', { channel: 'foreign', result: await fake.invoke(win, 'session:get-state', {}, foreign) })
  app.quit()
})
