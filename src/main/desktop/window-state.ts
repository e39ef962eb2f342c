/**
 * Where the window was: size, position and maximized state, kept in a small JSON file
 * beside Chromium's own state (per profile) and restored only where it is still visible
 * on one of the current displays.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { z } from 'zod'

export const WINDOW_STATE_FILE = 'window-state.json'

const Bounds = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
})
export type Bounds = z.infer<typeof Bounds>

const WindowState = z.object({ bounds: Bounds, maximized: z.boolean() })
export type WindowState = z.infer<typeof WindowState>

export const DEFAULT_SIZE = { width: 1100, height: 760 }
/**
 * The smallest window Parley works in: one pane at a time (the renderer collapses the chat
 * list below its breakpoint), a composer that holds a line of words, a header and a few
 * messages above it. Smaller displays get their whole work area instead (`minimumSize`).
 */
export const MIN_SIZE = { width: 400, height: 480 }
/** At least this much of the title bar must be on a display for the saved position to count. */
const MIN_VISIBLE = 64

/** MIN_SIZE, but never more than the largest display's work area can hold. */
export function minimumSize(workAreas: readonly Bounds[]): { width: number; height: number } {
  if (workAreas.length === 0) return { ...MIN_SIZE }
  return {
    width: Math.min(MIN_SIZE.width, Math.max(...workAreas.map((a) => a.width))),
    height: Math.min(MIN_SIZE.height, Math.max(...workAreas.map((a) => a.height))),
  }
}

export function readWindowState(file: string): WindowState | null {
  try {
    const parsed = WindowState.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Written whole or not at all (a crash mid-write leaves the previous file). */
export function writeWindowState(file: string, state: WindowState): void {
  const tmp = `${file}.tmp`
  writeFileSync(tmp, JSON.stringify(state))
  renameSync(tmp, file)
}

function overlap(a: Bounds, b: Bounds): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  }
}

/**
 * The bounds to open with: the saved ones when their top strip is on some display's work
 * area (a monitor may have been unplugged since), clamped to the minimum size; else only
 * the saved size, centred by the window manager (no x/y).
 */
export function restoredBounds(saved: WindowState | null, workAreas: readonly Bounds[]): Partial<Bounds> & { width: number; height: number } {
  if (!saved) return { ...DEFAULT_SIZE }
  const min = minimumSize(workAreas)
  const size = {
    width: Math.max(min.width, saved.bounds.width),
    height: Math.max(min.height, saved.bounds.height),
  }
  const titleBar: Bounds = { x: saved.bounds.x, y: saved.bounds.y, width: size.width, height: 32 }
  const visible = workAreas.some((area) => {
    const o = overlap(titleBar, area)
    return o.width >= MIN_VISIBLE && o.height > 0
  })
  if (!visible) return size
  return { x: saved.bounds.x, y: saved.bounds.y, ...size }
}

/** Calls `save` once things have been still for `delayMs` (moves and resizes come in bursts). */
export function debounce(save: () => void, delayMs: number): { trigger(): void; flush(): void; cancel(): void } {
  let timer: NodeJS.Timeout | null = null
  return {
    trigger() {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        save()
      }, delayMs)
    },
    flush() {
      if (!timer) return
      clearTimeout(timer)
      timer = null
      save()
    },
    cancel() {
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}

/** The part of a BrowserWindow this needs (a fake in tests). */
export interface TrackedWindow {
  on(event: 'move' | 'resize' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown
  getNormalBounds(): Bounds
  isMaximized(): boolean
  isMinimized(): boolean
  isDestroyed(): boolean
  maximize(): void
}

/** Restore the window's maximized state, then save its size and position as they change. */
export function trackWindowState(win: TrackedWindow, file: string, onError: (err: Error) => void, delayMs = 500): void {
  if (readWindowState(file)?.maximized) win.maximize()
  const save = debounce(() => {
    if (win.isDestroyed() || win.isMinimized()) return
    try {
      writeWindowState(file, { bounds: win.getNormalBounds(), maximized: win.isMaximized() })
    } catch (err) {
      onError(err as Error)
    }
  }, delayMs)
  win.on('move', save.trigger)
  win.on('resize', save.trigger)
  win.on('maximize', save.trigger)
  win.on('unmaximize', save.trigger)
  // Closing is when the last position matters most: write it now, not after the delay.
  win.on('close', save.flush)
}
