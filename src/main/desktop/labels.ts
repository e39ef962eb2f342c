/**
 * The few strings the main process shows itself (menu, tray, notification fallback),
 * in the languages the renderer ships. The renderer's vue-i18n catalogs hold the rest.
 */
import type { Language, Settings } from '../../shared/bridge'

export interface DesktopLabels {
  file: string
  newChat: string
  search: string
  settings: string
  quit: string
  edit: string
  undo: string
  redo: string
  cut: string
  copy: string
  paste: string
  selectAll: string
  view: string
  nextConversation: string
  previousConversation: string
  jumpToNewest: string
  reload: string
  toggleDevTools: string
  resetZoom: string
  zoomIn: string
  zoomOut: string
  toggleFullScreen: string
  window: string
  minimize: string
  close: string
  help: string
  about: string
  open: string
  trayNoUnread: string
  /** `{n}` is the count. */
  trayUnread: string
}

const en: DesktopLabels = {
  file: '&File',
  newChat: 'New Chat',
  search: 'Search Messages',
  settings: 'Settings…',
  quit: 'Quit Parley',
  edit: '&Edit',
  undo: 'Undo',
  redo: 'Redo',
  cut: 'Cut',
  copy: 'Copy',
  paste: 'Paste',
  selectAll: 'Select All',
  view: '&View',
  nextConversation: 'Next Conversation',
  previousConversation: 'Previous Conversation',
  jumpToNewest: 'Jump to Newest Message',
  reload: 'Reload',
  toggleDevTools: 'Developer Tools',
  resetZoom: 'Actual Size',
  zoomIn: 'Zoom In',
  zoomOut: 'Zoom Out',
  toggleFullScreen: 'Full Screen',
  window: '&Window',
  minimize: 'Minimize',
  close: 'Close Window',
  help: '&Help',
  about: 'About Parley',
  open: 'Open Parley',
  trayNoUnread: 'Parley',
  trayUnread: 'Parley: {n} unread',
}

const zhCN: DesktopLabels = {
  file: '文件(&F)',
  newChat: '新建聊天',
  search: '搜索消息',
  settings: '设置…',
  quit: '退出 Parley',
  edit: '编辑(&E)',
  undo: '撤销',
  redo: '重做',
  cut: '剪切',
  copy: '复制',
  paste: '粘贴',
  selectAll: '全选',
  view: '视图(&V)',
  nextConversation: '下一个会话',
  previousConversation: '上一个会话',
  jumpToNewest: '跳到最新消息',
  reload: '重新加载',
  toggleDevTools: '开发者工具',
  resetZoom: '实际大小',
  zoomIn: '放大',
  zoomOut: '缩小',
  toggleFullScreen: '全屏',
  window: '窗口(&W)',
  minimize: '最小化',
  close: '关闭窗口',
  help: '帮助(&H)',
  about: '关于 Parley',
  open: '打开 Parley',
  trayNoUnread: 'Parley',
  trayUnread: 'Parley：{n} 条未读',
}

const catalogs: Record<Language, DesktopLabels> = { en, 'zh-CN': zhCN }

/** The language a setting stands for; 'system' follows the OS locale (e.g. Electron's app.getLocale()). */
export function resolveLanguage(setting: Settings['language'], systemLocale: string): Language {
  if (setting !== 'system') return setting
  return systemLocale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export function desktopLabels(language: Language): DesktopLabels {
  return catalogs[language]
}

/** Every catalog has every key, for the test. */
export const DESKTOP_CATALOGS: Readonly<Record<Language, DesktopLabels>> = catalogs
