import { describe, expect, it } from 'vitest'
import { MENU_COMMANDS } from './bridge'
import { acceleratorLabel, commandForKey, SHORTCUTS, shortcutLabel, type KeyLike } from './shortcuts'

const press = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
})

describe('shortcuts', () => {
  it('map web key presses to commands, Ctrl on Linux/Windows and Cmd on macOS', () => {
    expect(commandForKey(press('f', { ctrlKey: true }), false)).toBe('search')
    expect(commandForKey(press('F', { ctrlKey: true }), false)).toBe('search')
    expect(commandForKey(press('f', { metaKey: true }), true)).toBe('search')
    expect(commandForKey(press('f', { metaKey: true }), false)).toBeNull()
    expect(commandForKey(press('n', { altKey: true }), false)).toBe('new-chat')
    expect(commandForKey(press('ArrowDown', { altKey: true }), false)).toBe('next-conversation')
    expect(commandForKey(press('ArrowUp', { altKey: true }), false)).toBe('previous-conversation')
    expect(commandForKey(press('End', { altKey: true }), false)).toBe('jump-to-newest')
    expect(commandForKey(press(',', { ctrlKey: true }), false)).toBe('settings')
    expect(commandForKey(press('f'), false)).toBeNull()
    expect(commandForKey(press('f', { ctrlKey: true, shiftKey: true }), false)).toBeNull()
  })

  it('have distinct combos and accelerators, for known commands only', () => {
    const entries = Object.entries(SHORTCUTS)
    for (const [command] of entries) expect(MENU_COMMANDS).toContain(command)
    const combos = entries.map(([, s]) => JSON.stringify(s!.web))
    expect(new Set(combos).size).toBe(combos.length)
    const accelerators = entries.map(([, s]) => s!.accelerator)
    expect(new Set(accelerators).size).toBe(accelerators.length)
  })

  it('are written the platform way', () => {
    expect(shortcutLabel({ key: 'f', mod: true }, false)).toBe('Ctrl+F')
    expect(shortcutLabel({ key: 'f', mod: true }, true)).toBe('⌘F')
    expect(shortcutLabel({ key: 'ArrowDown', alt: true }, false)).toBe('Alt+Down')
    expect(acceleratorLabel('CmdOrCtrl+N', false)).toBe('Ctrl+N')
    expect(acceleratorLabel('CmdOrCtrl+N', true)).toBe('⌘N')
    expect(acceleratorLabel('Ctrl+Shift+Tab', true)).toBe('⌃⇧Tab')
  })
})
