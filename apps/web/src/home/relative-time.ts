/** "just now", "5 minutes ago", "yesterday": how long ago something happened, in words. */

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

/** How long before `now` the time `then` was (both ms since the epoch), in `locale`'s words. */
export function relativeTime(then: number, now: number, locale?: string): string {
  const elapsed = Math.max(0, now - then)
  // Clocks of server and browser differ by a little; anything under a minute is simply "now".
  if (elapsed < 60_000) return 'just now'
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, size] of units) {
    if (elapsed >= size) return format.format(-Math.floor(elapsed / size), unit)
  }
  return 'just now'
}
