import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { MenuItemConstructorOptions } from 'electron'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_SETTINGS, MENU_COMMANDS, type ConversationView, type MessageView } from '../../shared/bridge'
import { SHORTCUTS } from '../../shared/shortcuts'
import { DESKTOP_CATALOGS, desktopLabels, resolveLanguage } from './labels'
import { menuTemplate, trayMenuTemplate } from './menu'
import { DesktopNotifier, type PlatformNotification } from './notifier'
import { UnreadTracker, trayState } from './unread'
import { debounce, MIN_SIZE, readWindowState, restoredBounds, writeWindowState } from './window-state'

const flatten = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu as MenuItemConstructorOptions[]) : [])])

describe('desktop labels', () => {
  it('exist in every language for every key', () => {
    const keys = Object.keys(DESKTOP_CATALOGS.en).sort()
    for (const catalog of Object.values(DESKTOP_CATALOGS)) {
      expect(Object.keys(catalog).sort()).toEqual(keys)
      for (const value of Object.values(catalog)) expect(value.trim()).not.toBe('')
    }
  })

  it('follow the setting, or the system locale', () => {
    expect(resolveLanguage('system', 'zh-CN')).toBe('zh-CN')
    expect(resolveLanguage('system', 'zh-TW')).toBe('zh-CN')
    expect(resolveLanguage('system', 'de-DE')).toBe('en')
    expect(resolveLanguage('en', 'zh-CN')).toBe('en')
  })
})

describe('application menu', () => {
  it('has every Parley command with its shortcut, sending it to the renderer', () => {
    const sent: string[] = []
    const items = flatten(menuTemplate({ platform: 'linux', labels: desktopLabels('en'), dev: false, command: (c) => sent.push(c) }))
    for (const command of MENU_COMMANDS) {
      const entry = items.find((i) => i.id === command)
      expect(entry, command).toBeDefined()
      expect(entry!.accelerator).toBe(SHORTCUTS[command]?.accelerator)
      ;(entry!.click as () => void)()
    }
    expect(sent).toEqual([...MENU_COMMANDS])
  })

  it('has the usual edit roles, quit, and developer tools only in development', () => {
    const roles = (dev: boolean, platform: NodeJS.Platform) =>
      flatten(menuTemplate({ platform, labels: desktopLabels('en'), dev, command: () => {} })).map((i) => i.role)
    expect(roles(false, 'linux')).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit', 'minimize', 'close']))
    expect(roles(false, 'linux')).not.toContain('toggleDevTools')
    expect(roles(true, 'win32')).toContain('toggleDevTools')
    // macOS: the app menu comes first and holds about/settings/quit.
    const mac = menuTemplate({ platform: 'darwin', labels: desktopLabels('en'), dev: false, command: () => {} })
    expect(mac[0]!.label).toBe('Parley')
    expect(flatten([mac[0]!]).map((i) => i.id ?? i.role)).toEqual(expect.arrayContaining(['about', 'settings', 'quit']))
  })

  it('speaks Chinese when asked', () => {
    const items = flatten(menuTemplate({ platform: 'linux', labels: desktopLabels('zh-CN'), dev: false, command: () => {} }))
    expect(items.find((i) => i.id === 'search')!.label).toBe('搜索消息')
  })

  it('tray menu opens and quits', () => {
    const open = vi.fn()
    const quit = vi.fn()
    const [first, , last] = trayMenuTemplate(desktopLabels('en'), { open, quit })
    ;(first!.click as () => void)()
    ;(last!.click as () => void)()
    expect(open).toHaveBeenCalledOnce()
    expect(quit).toHaveBeenCalledOnce()
  })
})

function conversation(id: string, unread: number): ConversationView {
  return { id, kind: 'direct', peer: 'x', title: 'x', lastMessage: null, lastTs: 0, unread }
}

describe('unread tracking', () => {
  it('follows conversation changes and resets on sign-out, publishing only changes', () => {
    const totals: number[] = []
    const tracker = new UnreadTracker((t) => totals.push(t))
    tracker.seed([conversation('a', 2), conversation('b', 0)])
    tracker.onEvent('conversation:changed', { conversation: conversation('b', 3) })
    tracker.onEvent('conversation:changed', { conversation: conversation('b', 3) })
    // A withdrawn unread message stops counting: the core sends the new count.
    tracker.onEvent('conversation:changed', { conversation: conversation('a', 1) })
    tracker.onEvent('session:changed', { user: null })
    expect(totals).toEqual([2, 5, 4, 0])
  })

  it('tells the tray what to show', () => {
    const l = desktopLabels('en')
    expect(trayState(0, l)).toEqual({ unread: false, tooltip: 'Parley' })
    expect(trayState(4, l)).toEqual({ unread: true, tooltip: 'Parley: 4 unread' })
  })
})

class FakeNotification implements PlatformNotification {
  shown = false
  closed = false
  constructor(
    readonly title: string,
    readonly body: string,
    readonly handlers: { onClick(): void; onGone(): void },
  ) {}
  show(): void {
    this.shown = true
  }
  close(): void {
    this.closed = true
  }
}

function incoming(id: string, overrides: Partial<MessageView> = {}): MessageView {
  return { id, conversationId: 'dm:alice:bob', sender: 'alice', mine: false, kind: 'text', text: `text ${id}`, ts: Date.now(), state: null, notice: null, ...overrides }
}

describe('desktop notifier', () => {
  function setup(focused = false) {
    const made: FakeNotification[] = []
    const opened: Array<[string, string]> = []
    const notifier = new DesktopNotifier({
      create: (c, h) => {
        const n = new FakeNotification(c.title, c.body, h)
        made.push(n)
        return n
      },
      isFocused: () => focused,
      now: () => Date.now(),
      open: (c, m) => opened.push([c, m]),
    })
    return { notifier, made, opened }
  }

  it('shows one per incoming message and closes it when that message is withdrawn', () => {
    const { notifier, made } = setup()
    notifier.onEvent('message:added', { message: incoming('m1') })
    notifier.onEvent('message:added', { message: incoming('m2') })
    expect(made.map((n) => [n.title, n.body, n.shown])).toEqual([
      ['alice', 'text m1', true],
      ['alice', 'text m2', true],
    ])
    notifier.onEvent('message:withdrawn', { conversationId: 'dm:alice:bob', messageId: 'm1', notice: incoming('m1', { kind: 'notice', text: null }) })
    expect(made.map((n) => n.closed)).toEqual([true, false])
    expect(notifier.open).toBe(1)
  })

  it('opens the conversation on click and forgets a dismissed one', () => {
    const { notifier, made, opened } = setup()
    notifier.onEvent('message:added', { message: incoming('m1') })
    made[0]!.handlers.onClick()
    made[0]!.handlers.onGone()
    expect(opened).toEqual([['dm:alice:bob', 'm1']])
    expect(notifier.open).toBe(0)
  })

  it('stays quiet while focused or switched off, and closes everything when switched off', () => {
    const focused = setup(true)
    focused.notifier.onEvent('message:added', { message: incoming('m1') })
    expect(focused.made).toEqual([])

    const { notifier, made } = setup()
    notifier.onEvent('message:added', { message: incoming('m1') })
    notifier.onEvent('settings:changed', { settings: { ...DEFAULT_SETTINGS, notifications: false } })
    expect(made[0]!.closed).toBe(true)
    notifier.onEvent('message:added', { message: incoming('m2') })
    expect(made).toHaveLength(1)
  })

  it('closes a conversation once read, everything on sign-out, and names groups', () => {
    const { notifier, made } = setup()
    notifier.seedConversations([{ ...conversation('g:1', 0), kind: 'group', title: 'Trip' }])
    notifier.onEvent('message:added', { message: incoming('m1', { conversationId: 'g:1' }) })
    notifier.onEvent('message:added', { message: incoming('m2') })
    expect(made[0]!.title).toBe('Trip')
    notifier.onEvent('conversation:changed', { conversation: { ...conversation('g:1', 0), kind: 'group', title: 'Trip' } })
    expect(made.map((n) => n.closed)).toEqual([true, false])
    notifier.onEvent('session:changed', { user: null })
    expect(made.map((n) => n.closed)).toEqual([true, true])
  })
})

describe('window state', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const screen = { x: 0, y: 0, width: 1920, height: 1080 }

  it('round-trips through its file and ignores a broken one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-window-'))
    dirs.push(dir)
    const file = path.join(dir, 'window-state.json')
    expect(readWindowState(file)).toBeNull()
    const state = { bounds: { x: 10, y: 20, width: 900, height: 700 }, maximized: true }
    writeWindowState(file, state)
    expect(readWindowState(file)).toEqual(state)
    writeFileSync(file, '{"bounds": {"x": "left"}}')
    expect(readWindowState(file)).toBeNull()
  })

  it('restores a position only where it is still on a display', () => {
    const saved = { bounds: { x: 100, y: 50, width: 900, height: 700 }, maximized: false }
    expect(restoredBounds(saved, [screen])).toEqual({ x: 100, y: 50, width: 900, height: 700 })
    // That monitor is gone: keep the size, let the window manager place it.
    expect(restoredBounds({ ...saved, bounds: { ...saved.bounds, x: 2500 } }, [screen])).toEqual({ width: 900, height: 700 })
    expect(restoredBounds({ ...saved, bounds: { ...saved.bounds, width: 10, height: 10 } }, [screen])).toMatchObject(MIN_SIZE)
    expect(restoredBounds(null, [screen])).toEqual({ width: 1100, height: 760 })
  })

  it('saves once after a burst of moves, and at once on flush', async () => {
    vi.useFakeTimers()
    try {
      const save = vi.fn()
      const d = debounce(save, 500)
      d.trigger()
      d.trigger()
      vi.advanceTimersByTime(499)
      expect(save).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1)
      expect(save).toHaveBeenCalledOnce()
      d.trigger()
      d.flush()
      expect(save).toHaveBeenCalledTimes(2)
      d.flush()
      expect(save).toHaveBeenCalledTimes(2)
    } finally {
      vi.useRealTimers()
    }
  })
})
