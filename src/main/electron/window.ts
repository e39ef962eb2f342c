/**
 * The one Parley window. The renderer gets no Node, no Electron, a sandboxed preload
 * that exposes only `window.parley`, and its own origin.
 */
import { BrowserWindow } from 'electron'
import { DEFAULT_SIZE, MIN_SIZE, type Bounds } from '../desktop/window-state'

export interface MainWindowOptions {
  preloadPath: string
  iconPath?: string
  /** Where the window was last time (desktop/window-state.ts); the default size otherwise. */
  bounds?: Partial<Bounds> & { width: number; height: number }
  /** The smallest the user may make it (`minimumSize`: MIN_SIZE, within the displays). */
  minSize?: { width: number; height: number }
}

export function createMainWindow({ preloadPath, iconPath, bounds = DEFAULT_SIZE, minSize = MIN_SIZE }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    ...bounds,
    minWidth: minSize.width,
    minHeight: minSize.height,
    title: 'Parley',
    show: false,
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  })
  win.once('ready-to-show', () => win.show())
  return win
}

export function focusWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}
