/**
 * The desktop menu. Parley's own items only tell the renderer what was chosen
 * (`ui:menu-command`); their shortcuts come from src/shared/shortcuts.ts, which browser
 * mode uses too. Pure: builds a template, index.ts hands it to Electron.
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { Language, MenuCommand } from '../../shared/bridge'
import { SHORTCUTS } from '../../shared/shortcuts'

type Label = MenuCommand | 'file' | 'edit' | 'view' | 'window' | 'help'

export const MENU_LABELS: Readonly<Record<Language, Readonly<Record<Label, string>>>> = {
  en: {
    file: 'File',
    edit: 'Edit',
    view: 'View',
    window: 'Window',
    help: 'Help',
    'new-chat': 'New Chat',
    search: 'Search Messages',
    settings: 'Settings…',
    about: 'About Parley',
    'next-conversation': 'Next Conversation',
    'previous-conversation': 'Previous Conversation',
    'jump-to-newest': 'Jump to Newest Message',
  },
  'zh-CN': {
    file: '文件',
    edit: '编辑',
    view: '视图',
    window: '窗口',
    help: '帮助',
    'new-chat': '新建聊天',
    search: '搜索消息',
    settings: '设置…',
    about: '关于 Parley',
    'next-conversation': '下一个会话',
    'previous-conversation': '上一个会话',
    'jump-to-newest': '跳到最新消息',
  },
}

/** The menu's language: the profile's setting, or the system's when it says 'system'. */
export function menuLanguage(setting: Language | 'system', systemLocale: string): Language {
  if (setting !== 'system') return setting
  return systemLocale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export interface MenuOptions {
  platform: NodeJS.Platform
  language: Language
  /** Unpackaged builds get reload and developer tools. */
  dev: boolean
  onCommand: (command: MenuCommand) => void
}

export function menuTemplate({ platform, language, dev, onCommand }: MenuOptions): MenuItemConstructorOptions[] {
  const label = MENU_LABELS[language]
  const mac = platform === 'darwin'
  const item = (command: MenuCommand): MenuItemConstructorOptions => ({
    label: label[command],
    ...(SHORTCUTS[command] ? { accelerator: SHORTCUTS[command].accelerator } : {}),
    click: () => onCommand(command),
  })

  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: 'Parley',
          submenu: [
            item('about'),
            { type: 'separator' },
            item('settings'),
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : []
  const file: MenuItemConstructorOptions = {
    label: label.file,
    submenu: [
      item('new-chat'),
      item('search'),
      ...(mac ? [] : [{ type: 'separator' } as const, item('settings'), { type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  }
  const view: MenuItemConstructorOptions = {
    label: label.view,
    submenu: [
      item('next-conversation'),
      item('previous-conversation'),
      item('jump-to-newest'),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(dev ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  }
  return [
    ...appMenu,
    file,
    // The edit roles are what make copy and paste work at all on macOS.
    { label: label.edit, role: 'editMenu' },
    view,
    { label: label.window, role: 'windowMenu' },
    ...(mac ? [] : [{ label: label.help, submenu: [item('about')] }]),
  ]
}
