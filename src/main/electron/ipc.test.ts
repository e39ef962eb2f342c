import { beforeEach, describe, expect, it, vi } from 'vitest'
import { invokeNames, invokes, ok, type BridgeHandlers } from '../../shared/bridge'

const handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>()
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, args: unknown) => Promise<unknown>) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}))

const { registerBridge, windowEmitter } = await import('./ipc')

const APP = 'parley://app'
const mainFrame = { url: `${APP}/index.html`, parent: null }
const webContents = { send: vi.fn(), isDestroyed: () => false, mainFrame }
const win = { webContents, isDestroyed: () => false }

function fakeHandlers(): BridgeHandlers {
  return Object.fromEntries(invokeNames.map((n) => [n, vi.fn(async () => ok(n))])) as unknown as BridgeHandlers
}

describe('registerBridge', () => {
  beforeEach(() => handlers.clear())

  it('registers one handler per invoke channel and removes them all', () => {
    const unregister = registerBridge(fakeHandlers(), () => win as never, APP)
    expect([...handlers.keys()].sort()).toEqual(invokeNames.map((n) => invokes[n].channel).sort())
    unregister()
    expect(handlers.size).toBe(0)
  })

  it('dispatches validated calls from our window', async () => {
    const impl = fakeHandlers()
    registerBridge(impl, () => win as never, APP)
    const handle = handlers.get(invokes.getSession.channel)!
    expect(await handle({ sender: webContents, senderFrame: mainFrame }, {})).toEqual(ok('getSession'))
    const bad = await handlers.get(invokes.openDirect.channel)!({ sender: webContents, senderFrame: mainFrame }, { username: 5 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } })
    expect(impl.openDirect).not.toHaveBeenCalled()
  })

  it('refuses subframes, other origins and other web contents', async () => {
    const impl = fakeHandlers()
    registerBridge(impl, () => win as never, APP)
    const handle = handlers.get(invokes.getSession.channel)!
    const refusals = [
      { sender: webContents, senderFrame: { url: `${APP}/index.html`, parent: mainFrame } },
      { sender: webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: { ...webContents }, senderFrame: mainFrame },
      { sender: webContents, senderFrame: null },
    ]
    for (const event of refusals) {
      expect(await handle(event, {})).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } })
    }
    expect(impl.getSession).not.toHaveBeenCalled()
  })
})

describe('windowEmitter', () => {
  it('sends events to the window while there is one', () => {
    let current: typeof win | null = win
    const emit = windowEmitter(() => current as never)
    emit('session:changed', { user: 'alice' })
    expect(webContents.send).toHaveBeenCalledWith('session:changed', { user: 'alice' })
    current = null
    expect(() => emit('session:changed', { user: null })).not.toThrow()
  })
})
