/**
 * Colours a person can pick for their cursor and avatar. Each is dark enough to carry white text
 * (contrast of at least 4.5:1, WCAG AA) and distinct from its neighbours, so two people next to each
 * other in a document are told apart at a glance.
 */
export const PALETTE = [
  '#c2410c', // burnt orange
  '#b91c1c', // red
  '#be185d', // raspberry
  '#a21caf', // magenta
  '#7e22ce', // purple
  '#4338ca', // indigo
  '#1d4ed8', // blue
  '#0e7490', // teal
  '#047857', // green
  '#4d7c0f', // olive
  '#a16207', // ochre
  '#475569', // slate
] as const

/** The colour shown for someone whose colour is missing or not a 6-digit hex colour (slate). */
export const FALLBACK_COLOR = '#475569'

/** What each palette colour is called, for screen readers and tooltips. */
export const PALETTE_NAMES: Readonly<Record<(typeof PALETTE)[number], string>> = {
  '#c2410c': 'Burnt orange',
  '#b91c1c': 'Red',
  '#be185d': 'Raspberry',
  '#a21caf': 'Magenta',
  '#7e22ce': 'Purple',
  '#4338ca': 'Indigo',
  '#1d4ed8': 'Blue',
  '#0e7490': 'Teal',
  '#047857': 'Green',
  '#4d7c0f': 'Olive',
  '#a16207': 'Ochre',
  '#475569': 'Slate',
}

/** Whether `color` is a 6-digit hex colour, the only form y-prosemirror's cursors accept. */
export function isHexColor(color: unknown): color is string {
  return typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color)
}

/** WCAG relative luminance of a 6-digit hex colour, 0 (black) to 1 (white). */
function relativeLuminance(hex: string): number {
  const channel = (offset: number): number => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.040_45 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/** WCAG contrast ratio of two 6-digit hex colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x)
  return (light! + 0.05) / (dark! + 0.05)
}

/** Black or white, whichever reads better on `background` (a 6-digit hex colour). */
export function readableTextColor(background: string): '#ffffff' | '#111827' {
  const luminance = relativeLuminance(background)
  // White wins while its contrast ratio (1.05 / (L + 0.05)) beats black's ((L + 0.05) / 0.05).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#111827'
}
