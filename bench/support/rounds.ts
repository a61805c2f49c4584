/** What the side-by-side runs share: the median of a figure over rounds, and how a figure is printed. */

/** The middle value of `values` (the upper one of an even count); NaN for none. */
export function medianOf(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
}

/** Three significant digits, whole numbers from 100, and a dash for a figure not measured (NaN). */
export function formatFigure(value: number): string {
  return Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toPrecision(3)
}
