/** Sizes and counts as the console shows them: short enough for a table cell, exact in a tooltip. */

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const

/** A byte count in binary units: `0 B`, `512 B`, `1.5 KB`, `12 MB` (one decimal below 10). */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(Number.isFinite(bytes) ? bytes : 0))} B`
  let value = bytes
  let unit: string = BYTE_UNITS[0]
  for (const next of BYTE_UNITS) {
    value /= 1024
    unit = next
    if (value < 1024) break
  }
  const digits = value < 10 ? 1 : 0
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${unit}`
}

/** A count in compact form for headline figures: `950`, `12.3K`, `4.5M`. */
export function formatCount(count: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(count)
}

/** A count in full, with grouping: `12,345`. */
export function formatExactCount(count: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(count)
}
