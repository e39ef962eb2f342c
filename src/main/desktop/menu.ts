/**
 * The application menu, as a template (Electron-free, so it can be tested): the usual
 * Edit/View/Window roles with their platform shortcuts, plus Parley's own commands,
 * which the renderer carries out (sent as `ui:menu-command`).
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { MenuCommand } from '../../shared/bridge'
import { SHORTCUTS } from '../../shared/shortcuts'
import type { DesktopLabels } from './labels'

export interface MenuOptions {
  platform: NodeJS.Platform
  labels: DesktopLabels
  /** Developer tools and reload only where they help (not in a packaged app). */
  dev: boolean
  command(command: MenuCommand): void
}

export function menuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const { labels: l, command } = opts
  const mac = opts.platform === 'darwin'
  const item = (cmd: MenuCommand, label: string): MenuItemConstructorOptions => ({
    id: cmd,
    label,
    ...(SHORTCUTS[cmd] ? { accelerator: SHORTCUTS[cmd]!.accelerator } : {}),
    click: () => command(cmd),
  })
  const about = item('about', l.about)
  const settings = item('settings', l.settings)

  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: 'Parley',
      submenu: [about, { type: 'separator' }, settings, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit', label: l.quit }],
    })
  }
  template.push({
    label: l.file,
    submenu: [
      item('new-chat', l.newChat),
      item('search', l.search),
      ...(mac ? [] : [{ type: 'separator' } as const, settings, { type: 'separator' } as const, { role: 'quit', label: l.quit, accelerator: 'CmdOrCtrl+Q' } as const]),
    ],
  })
  template.push({
    label: l.edit,
    submenu: [
      { role: 'undo', label: l.undo },
      { role: 'redo', label: l.redo },
      { type: 'separator' },
      { role: 'cut', label: l.cut },
      { role: 'copy', label: l.copy },
      { role: 'paste', label: l.paste },
      { role: 'selectAll', label: l.selectAll },
    ],
  })
  template.push({
    label: l.view,
    submenu: [
      item('next-conversation', l.nextConversation),
      item('previous-conversation', l.previousConversation),
      item('jump-to-newest', l.jumpToNewest),
      { type: 'separator' },
      { role: 'resetZoom', label: l.resetZoom },
      { role: 'zoomIn', label: l.zoomIn },
      { role: 'zoomOut', label: l.zoomOut },
      { type: 'separator' },
      { role: 'togglefullscreen', label: l.toggleFullScreen },
      ...(opts.dev ? [{ type: 'separator' } as const, { role: 'reload', label: l.reload } as const, { role: 'toggleDevTools', label: l.toggleDevTools } as const] : []),
    ],
  })
  template.push({
    label: l.window,
    submenu: [{ role: 'minimize', label: l.minimize }, { role: 'close', label: l.close }, ...(mac ? [{ role: 'front' } as const] : [])],
  })
  if (!mac) template.push({ label: l.help, role: 'help', submenu: [about] })
  return template
}

/** The tray's menu: open the window, or quit. */
export function trayMenuTemplate(labels: DesktopLabels, actions: { open(): void; quit(): void }): MenuItemConstructorOptions[] {
  return [
    { label: labels.open, click: actions.open },
    { type: 'separator' },
    { label: labels.quit, click: actions.quit },
  ]
}
