import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TRAY_ICON, TRAY_ICON_UNREAD, trayMenuTemplate, trayView, UnreadTray, type TrayPort } from './tray'
import { debounce, MIN_SIZE, minimumSize, readWindowState, restoredBounds, trackWindowState, writeWindowState, type TrackedWindow } from './window-state'

const resources = fileURLToPath(new URL('../../../resources', import.meta.url))

describe('tray', () => {
  it('shows a dot and the count while anything is unread', () => {
    expect(trayView(resources, 0, 'en')).toEqual({ icon: path.join(resources, TRAY_ICON), tooltip: 'Parley' })
    expect(trayView(resources, 3, 'en')).toEqual({ icon: path.join(resources, TRAY_ICON_UNREAD), tooltip: 'Parley: 3 unread' })
    expect(trayView(resources, 3, 'zh-CN').tooltip).toBe('Parley：3 条未读')
    for (const icon of [TRAY_ICON, TRAY_ICON_UNREAD]) expect(existsSync(path.join(resources, icon)), icon).toBe(true)
  })

  it('opens the window or quits from its menu', () => {
    const open = vi.fn()
    const quit = vi.fn()
    const [first, , last] = trayMenuTemplate('en', { open, quit })
    ;(first!.click as () => void)()
    ;(last!.click as () => void)()
    expect(open).toHaveBeenCalledOnce()
    expect(quit).toHaveBeenCalledOnce()
    expect(trayMenuTemplate('zh-CN', { open, quit })[0]!.label).toBe('打开 Parley')
  })

  it('follows the unread total and the language, touching Electron only on a change', () => {
    const calls: string[] = []
    const port: TrayPort = {
      setImage: (file) => calls.push(`image ${path.basename(file)}`),
      setToolTip: (text) => calls.push(`tip ${text}`),
      setMenu: (t) => calls.push(`menu ${String(t[0]!.label)}`),
    }
    const tray = new UnreadTray(port, resources, { open: () => {}, quit: () => {} })
    tray.setUnread(2)
    tray.setUnread(2)
    // A withdrawn unread message stops counting.
    tray.setUnread(1)
    tray.setLanguage('zh-CN')
    tray.setUnread(0)
    expect(calls).toEqual([
      'image tray.png',
      'tip Parley',
      'menu Open Parley',
      'image tray-unread.png',
      'tip Parley: 2 unread',
      'image tray-unread.png',
      'tip Parley: 1 unread',
      'image tray-unread.png',
      'tip Parley：1 条未读',
      'menu 打开 Parley',
      'image tray.png',
      'tip Parley',
    ])
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

  it('has a minimum size the narrow layout works in, never larger than the displays', () => {
    expect(minimumSize([screen])).toEqual(MIN_SIZE)
    expect(MIN_SIZE.width).toBeLessThanOrEqual(400)
    expect(minimumSize([{ x: 0, y: 0, width: 360, height: 400 }])).toEqual({ width: 360, height: 400 })
    expect(minimumSize([])).toEqual(MIN_SIZE)
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

  it('saves where a window was moved to, at once when it closes, and maximizes it again next time', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-window-'))
    dirs.push(dir)
    const file = path.join(dir, 'window-state.json')
    const listeners = new Map<string, () => void>()
    let bounds = { x: 10, y: 10, width: 800, height: 600 }
    let maximized = false
    const win: TrackedWindow = {
      on: (event, fn) => listeners.set(event, fn),
      getNormalBounds: () => bounds,
      isMaximized: () => maximized,
      isMinimized: () => false,
      isDestroyed: () => false,
      maximize: vi.fn(),
    }
    trackWindowState(win, file, (err) => {
      throw err
    })
    bounds = { x: 200, y: 100, width: 900, height: 700 }
    maximized = true
    listeners.get('move')!()
    listeners.get('close')!()
    expect(readWindowState(file)).toEqual({ bounds, maximized: true })
    expect(win.maximize).not.toHaveBeenCalled()

    const next: TrackedWindow = { ...win, maximize: vi.fn() }
    trackWindowState(next, file, () => {})
    expect(next.maximize).toHaveBeenCalledOnce()
  })
})
