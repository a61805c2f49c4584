/** A person's round avatar: their initials on their colour, their name in the tooltip. */
import type { Identity } from '../identity/identity.js'
import { readableTextColor } from '../identity/palette.js'
import { h } from './element.js'

/** Up to two initials of `name`: "Curious Fox" → "CF", "ada" → "A", "" → "?". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0)
  const letters = words.length === 1 ? [words[0]!] : [words[0], words.at(-1)]
  // Array.from splits by code point, so an emoji or accented initial stays whole.
  const result = letters.map((word) => (word ? Array.from(word)[0]!.toUpperCase() : '')).join('')
  return result === '' ? '?' : result
}

/** An avatar element for `person`; `size` is the diameter in pixels. */
export function createAvatar(person: Identity, size = 28): HTMLSpanElement {
  const avatar = h('span', { class: 'avatar', title: person.name, 'aria-hidden': 'true' }, initials(person.name))
  avatar.style.setProperty('--avatar-color', person.color)
  avatar.style.setProperty('--avatar-text', readableTextColor(person.color))
  avatar.style.setProperty('--avatar-size', `${size}px`)
  return avatar
}
