import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { MENU_COMMANDS } from '../../shared/bridge'
import { SHORTCUTS } from '../../shared/shortcuts'
import { MENU_LABELS, menuLanguage, menuTemplate } from './menu'

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []))
}

describe('menuTemplate', () => {
  it('sends each Parley command to the renderer, with the shared shortcut', () => {
    const onCommand = vi.fn()
    const template = menuTemplate({ platform: 'linux', language: 'en', dev: false, onCommand })
    const newChat = items(template).find((i) => i.label === 'New Chat')!
    expect(newChat.accelerator).toBe(SHORTCUTS['new-chat']!.accelerator)
    ;(newChat.click as () => void)()
    expect(onCommand).toHaveBeenCalledWith('new-chat')
    for (const command of MENU_COMMANDS) {
      const item = items(template).find((i) => i.label === MENU_LABELS.en[command])
      ;(item?.click as (() => void) | undefined)?.()
      expect(onCommand, command).toHaveBeenLastCalledWith(command)
    }
  })

  it('follows the platform: an app menu on macOS, Help and Quit in File elsewhere', () => {
    const mac = menuTemplate({ platform: 'darwin', language: 'en', dev: false, onCommand: () => {} })
    expect(mac[0]!.label).toBe('Parley')
    expect(mac.some((m) => m.label === 'Help')).toBe(false)
    const linux = menuTemplate({ platform: 'linux', language: 'en', dev: false, onCommand: () => {} })
    expect(linux.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    expect(items(linux).some((i) => i.role === 'quit')).toBe(true)
  })

  it('offers developer tools only in development', () => {
    const roles = (dev: boolean) => items(menuTemplate({ platform: 'linux', language: 'en', dev, onCommand: () => {} })).map((i) => i.role)
    expect(roles(false)).not.toContain('toggleDevTools')
    expect(roles(true)).toContain('toggleDevTools')
  })

  it('speaks the profile language, or the system one', () => {
    expect(menuTemplate({ platform: 'linux', language: 'zh-CN', dev: false, onCommand: () => {} })[0]!.label).toBe('文件')
    expect(menuLanguage('system', 'zh-TW')).toBe('zh-CN')
    expect(menuLanguage('system', 'de-DE')).toBe('en')
    expect(menuLanguage('en', 'zh-CN')).toBe('en')
  })
})
