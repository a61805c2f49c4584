import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

const tokens = readFileSync(new URL('./tokens.css', import.meta.url), 'utf8')

/** The value of custom property `name` in tokens.css. */
function token(name: string): string {
  const match = new RegExp(`${name}:\\s*([^;]+);`).exec(tokens)
  if (!match) throw new Error(`${name} is not in tokens.css`)
  return match[1]!.trim()
}

/** WCAG relative luminance of a 6-digit hex colour. */
function luminance(hex: string): number {
  const channel = (offset: number): number => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.040_45 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (light! + 0.05) / (dark! + 0.05)
}

describe('focus ring', () => {
  it('is a solid colour, not a translucent tint', () => {
    expect(token('--focus-color')).toMatch(/^#[0-9a-f]{6}$/i)
    expect(token('--focus-ring')).toContain('var(--focus-color)')
    expect(token('--focus-ring-inset')).toContain('var(--focus-color)')
  })

  it.each(['--bg', '--surface', '--surface-muted', '--surface-hover'])('stands out at least 3:1 against %s (WCAG 1.4.11)', (background) => {
    expect(contrast(token('--focus-color'), token(background))).toBeGreaterThanOrEqual(3)
  })

  it('is separated from what it surrounds by a gap in the surface colour, so it shows around accent buttons too', () => {
    expect(token('--focus-ring')).toMatch(/^0 0 0 2px var\(--surface\), 0 0 0 4px var\(--focus-color\)$/)
  })
})
