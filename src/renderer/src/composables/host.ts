/**
 * Which host the page runs in. The desktop app's preload provides `window.parley`; without
 * it the page is in browser mode, talking to a headless host over a WebSocket. Some things
 * differ: in browser mode the page shows notifications itself and handles the shortcuts the
 * desktop app's menu owns.
 */
export function isBrowserMode(): boolean {
  return typeof window !== 'undefined' && !window.parley
}

export function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)
}
