import { describe, expect, it } from 'vitest'

import { shortcutLabel } from './shortcut-label.js'

describe('shortcutLabel', () => {
  it('uses Ctrl and words off Apple platforms', () => {
    expect(shortcutLabel('Mod-b', false)).toBe('Ctrl+B')
    expect(shortcutLabel('Shift-Mod-z', false)).toBe('Ctrl+Shift+Z')
    expect(shortcutLabel('Mod-Alt-1', false)).toBe('Ctrl+Alt+1')
    expect(shortcutLabel('Mod-Alt-minus', false)).toBe('Ctrl+Alt+-')
  })

  it('uses symbols in the macOS order on Apple platforms', () => {
    expect(shortcutLabel('Mod-b', true)).toBe('⌘B')
    expect(shortcutLabel('Shift-Mod-z', true)).toBe('⇧⌘Z')
    expect(shortcutLabel('Mod-Alt-1', true)).toBe('⌥⌘1')
  })
})
