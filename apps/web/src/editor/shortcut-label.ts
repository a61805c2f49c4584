/** Shortcuts as people read them: `Mod-Alt-1` is "⌘⌥1" on a Mac and "Ctrl+Alt+1" elsewhere. */

const macSymbols: Record<string, string> = { Mod: '⌘', Cmd: '⌘', Ctrl: '⌃', Alt: '⌥', Shift: '⇧' }
const names: Record<string, string> = { minus: '-' }

/** Whether this browser runs on an Apple platform, where Mod means Cmd. */
export function isApplePlatform(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad|iPod/.test(navigator.platform)
}

/** Human-readable form of a prosemirror-keymap shortcut such as `Shift-Mod-z`. */
export function shortcutLabel(shortcut: string, apple: boolean): string {
  const parts = shortcut.split('-')
  const key = parts.pop() ?? ''
  const keyLabel = names[key] ?? (key.length === 1 ? key.toUpperCase() : key)
  if (apple) {
    // macOS lists modifiers in the order ⌃⌥⇧⌘.
    const order = ['Ctrl', 'Alt', 'Shift', 'Mod', 'Cmd']
    return (
      [...parts]
        .sort((a, b) => order.indexOf(a) - order.indexOf(b))
        .map((part) => macSymbols[part] ?? part)
        .join('') + keyLabel
    )
  }
  const order = ['Mod', 'Ctrl', 'Alt', 'Shift']
  return [...[...parts].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((part) => (part === 'Mod' ? 'Ctrl' : part)), keyLabel].join(
    '+',
  )
}
