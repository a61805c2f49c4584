/** How figures are printed: milliseconds, bytes, counts and rates, with precision that fits their size. */

/** `0.42 ms`, `3.1 ms`, `1250 ms`: two significant decimals for small latencies, none for large ones. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a'
  const decimals = ms < 10 ? 2 : ms < 100 ? 1 : 0
  return `${ms.toFixed(decimals)} ms`
}

/** `12.3 MiB`, `512 KiB`, `80 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`
  return `${bytes} B`
}

/** `20,000`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}

/** `4,213/s`. */
export function formatRate(perSecond: number): string {
  return `${formatCount(Math.round(perSecond))}/s`
}
