/**
 * Keyboard shortcuts for the menu commands, declared once. The desktop app's menu owns
 * them there (Electron accelerators); in browser mode the page handles the `web` combos
 * itself, which avoid the keys a browser keeps for itself (Ctrl+N, Ctrl+Tab...).
 */
import type { MenuCommand } from './bridge'

export interface KeyCombo {
  /** KeyboardEvent.key */
  key: string
  /** Ctrl, or Cmd on macOS. */
  mod?: boolean
  shift?: boolean
  alt?: boolean
}

export interface Shortcut {
  /** Electron accelerator for the desktop menu. */
  accelerator: string
  /** What the page listens for in browser mode. */
  web: KeyCombo
}

export const SHORTCUTS: Readonly<Partial<Record<MenuCommand, Shortcut>>> = Object.freeze({
  'new-chat': { accelerator: 'CmdOrCtrl+N', web: { key: 'n', alt: true } },
  search: { accelerator: 'CmdOrCtrl+F', web: { key: 'f', mod: true } },
  settings: { accelerator: 'CmdOrCtrl+,', web: { key: ',', mod: true } },
  'next-conversation': { accelerator: 'Ctrl+Tab', web: { key: 'ArrowDown', alt: true } },
  'previous-conversation': { accelerator: 'Ctrl+Shift+Tab', web: { key: 'ArrowUp', alt: true } },
  'jump-to-newest': { accelerator: 'Alt+End', web: { key: 'End', alt: true } },
})

export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

/** The command a key press stands for in browser mode, or null. */
export function commandForKey(e: KeyLike, isMac: boolean): MenuCommand | null {
  const mod = isMac ? e.metaKey : e.ctrlKey
  const otherMod = isMac ? e.ctrlKey : e.metaKey
  if (otherMod) return null
  for (const [command, shortcut] of Object.entries(SHORTCUTS) as Array<[MenuCommand, Shortcut]>) {
    const combo = shortcut.web
    if (
      e.key.toLowerCase() === combo.key.toLowerCase() &&
      mod === Boolean(combo.mod) &&
      e.shiftKey === Boolean(combo.shift) &&
      e.altKey === Boolean(combo.alt)
    ) {
      return command
    }
  }
  return null
}

/** How a shortcut is written for people, e.g. "Ctrl+F" or "⌘F". */
export function shortcutLabel(combo: KeyCombo, isMac: boolean): string {
  const key = combo.key.length === 1 ? combo.key.toUpperCase() : combo.key.replace('Arrow', '')
  if (isMac) return `${combo.mod ? '⌘' : ''}${combo.alt ? '⌥' : ''}${combo.shift ? '⇧' : ''}${key}`
  return [combo.mod && 'Ctrl', combo.alt && 'Alt', combo.shift && 'Shift', key].filter(Boolean).join('+')
}

/** How an Electron accelerator is written for people on this platform ("CmdOrCtrl+F" → "Ctrl+F" or "⌘F"). */
export function acceleratorLabel(accelerator: string, isMac: boolean): string {
  const parts = accelerator.split('+')
  if (!isMac) return parts.map((p) => (p === 'CmdOrCtrl' ? 'Ctrl' : p)).join('+')
  const symbols: Record<string, string> = { CmdOrCtrl: '⌘', Ctrl: '⌃', Alt: '⌥', Shift: '⇧' }
  return parts.map((p) => symbols[p] ?? p).join('')
}
