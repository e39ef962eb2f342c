/**
 * The tray icon: a dot on it while anything is unread, the count in its tooltip, and a
 * menu to open Parley or quit. Some Linux desktops have no tray area; Parley works the
 * same without it. The labels follow the menu's language (src/main/desktop/menu.ts).
 */
import path from 'node:path'
import type { MenuItemConstructorOptions } from 'electron'
import type { Language } from '../../shared/bridge'

const LABELS: Readonly<Record<Language, { open: string; quit: string; idle: string; unread: (n: number) => string }>> = {
  en: { open: 'Open Parley', quit: 'Quit Parley', idle: 'Parley', unread: (n) => `Parley: ${n} unread` },
  'zh-CN': { open: '打开 Parley', quit: '退出 Parley', idle: 'Parley', unread: (n) => `Parley：${n} 条未读` },
}

export const TRAY_ICON = 'tray.png'
export const TRAY_ICON_UNREAD = 'tray-unread.png'

export interface TrayView {
  icon: string
  tooltip: string
}

/** What the tray shows for an unread total. */
export function trayView(resourcesDir: string, unread: number, language: Language): TrayView {
  const l = LABELS[language]
  return unread > 0
    ? { icon: path.join(resourcesDir, TRAY_ICON_UNREAD), tooltip: l.unread(unread) }
    : { icon: path.join(resourcesDir, TRAY_ICON), tooltip: l.idle }
}

export function trayMenuTemplate(language: Language, actions: { open(): void; quit(): void }): MenuItemConstructorOptions[] {
  const l = LABELS[language]
  return [{ label: l.open, click: actions.open }, { type: 'separator' }, { label: l.quit, click: actions.quit }]
}

/** The Electron calls the tray needs, injected so the logic above stays testable. */
export interface TrayPort {
  setImage(file: string): void
  setToolTip(text: string): void
  setMenu(template: MenuItemConstructorOptions[]): void
}

/** Keeps one tray in step with the unread total and the language. */
export class UnreadTray {
  private unread = 0
  private language: Language = 'en'

  constructor(
    private readonly port: TrayPort,
    private readonly resourcesDir: string,
    private readonly actions: { open(): void; quit(): void },
  ) {
    this.render(true)
  }

  setUnread(unread: number): void {
    if (unread === this.unread) return
    this.unread = unread
    this.render(false)
  }

  setLanguage(language: Language): void {
    if (language === this.language) return
    this.language = language
    this.render(true)
  }

  private render(withMenu: boolean): void {
    const view = trayView(this.resourcesDir, this.unread, this.language)
    this.port.setImage(view.icon)
    this.port.setToolTip(view.tooltip)
    if (withMenu) this.port.setMenu(trayMenuTemplate(this.language, this.actions))
  }
}
