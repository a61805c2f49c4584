import { describe, expect, it } from 'vitest'

import { contrastRatio, isHexColor, PALETTE, readableTextColor } from './palette.js'

function contrastWithWhite(hex: string): number {
  const channel = (offset: number): number => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.040_45 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
  return 1.05 / (luminance + 0.05)
}

describe('palette', () => {
  it('computes contrast ratios as WCAG defines them', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21)
    for (const color of PALETTE) expect(contrastRatio(color, '#ffffff')).toBeCloseTo(contrastWithWhite(color))
  })

  it('holds distinct 6-digit colours that all carry white text at WCAG AA contrast', () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length)
    for (const color of PALETTE) {
      expect(isHexColor(color), color).toBe(true)
      expect(contrastWithWhite(color), color).toBeGreaterThanOrEqual(4.5)
      expect(readableTextColor(color), color).toBe('#ffffff')
    }
  })

  it('picks dark text on light backgrounds a remote user may send', () => {
    expect(readableTextColor('#ffff00')).toBe('#111827')
    expect(readableTextColor('#f0f0f0')).toBe('#111827')
    expect(readableTextColor('#000080')).toBe('#ffffff')
  })

  it('accepts only #rrggbb colours', () => {
    for (const color of ['#fff', 'red', '#12345g', 'rgb(0,0,0)', null, 42]) expect(isHexColor(color), String(color)).toBe(false)
    expect(isHexColor('#A1b2C3')).toBe(true)
  })
})
