/**
 * The one Parley window. The renderer gets no Node, no Electron, a sandboxed preload
 * that exposes only `window.parley`, and its own origin.
 */
import { BrowserWindow } from 'electron'

export interface MainWindowOptions {
  preloadPath: string
  iconPath?: string
}

export function createMainWindow({ preloadPath, iconPath }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 480,
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
