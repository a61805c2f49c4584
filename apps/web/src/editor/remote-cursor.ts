/**
 * How other people's cursors and selections look: a caret in their colour with their name in a
 * label above it, and their selection tinted with the same colour. Colours come from other
 * browsers, so they are checked before they reach a style attribute.
 */
import type { DecorationAttrs } from 'prosemirror-view'

import { FALLBACK_COLOR, isHexColor, readableTextColor } from '../identity/palette.js'

interface RemoteUser {
  name?: unknown
  color?: unknown
}

function colorOf(user: RemoteUser): string {
  return isHexColor(user.color) ? user.color : FALLBACK_COLOR
}

/** The caret widget for a remote user (y-prosemirror's `cursorBuilder`). */
export function buildRemoteCursor(user: RemoteUser): HTMLElement {
  const color = colorOf(user)
  const caret = document.createElement('span')
  caret.className = 'ProseMirror-yjs-cursor'
  caret.style.setProperty('--cursor-color', color)
  const label = document.createElement('span')
  label.className = 'remote-cursor-label'
  label.style.setProperty('--cursor-text', readableTextColor(color))
  label.textContent = typeof user.name === 'string' && user.name.trim() !== '' ? user.name : 'Someone'
  // Word joiners keep the browser from breaking the line at the widget (as y-prosemirror's default does).
  caret.append('\u2060', label, '\u2060')
  return caret
}

/** Attributes of a remote user's selection highlight (y-prosemirror's `selectionBuilder`). */
export function buildRemoteSelection(user: RemoteUser): DecorationAttrs {
  return { class: 'ProseMirror-yjs-selection', style: `background-color: ${colorOf(user)}33` }
}
