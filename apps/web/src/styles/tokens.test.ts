import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { contrastRatio } from '../identity/palette.js'

const tokens = readFileSync(new URL('./tokens.css', import.meta.url), 'utf8')

/** The value of custom property `name` in tokens.css. */
function token(name: string): string {
  const match = new RegExp(`${name}:\\s*([^;]+);`).exec(tokens)
  if (!match) throw new Error(`${name} is not in tokens.css`)
  return match[1]!.trim()
}

describe('focus ring', () => {
  it('is a solid colour, not a translucent tint', () => {
    expect(token('--focus-color')).toMatch(/^#[0-9a-f]{6}$/i)
    expect(token('--focus-ring')).toContain('var(--focus-color)')
    expect(token('--focus-ring-inset')).toContain('var(--focus-color)')
  })

  it.each(['--bg', '--surface', '--surface-muted', '--surface-hover'])('stands out at least 3:1 against %s (WCAG 1.4.11)', (background) => {
    expect(contrastRatio(token('--focus-color'), token(background))).toBeGreaterThanOrEqual(3)
  })

  it('is separated from what it surrounds by a gap in the surface colour, so it shows around accent buttons too', () => {
    expect(token('--focus-ring')).toMatch(/^0 0 0 2px var\(--surface\), 0 0 0 4px var\(--focus-color\)$/)
  })
})
