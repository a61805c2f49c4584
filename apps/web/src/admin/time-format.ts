/** Points in time and durations as the console shows them. "5 minutes ago" comes from `home/relative-time`. */

/** A point in time (ms since the epoch) as a date and time, e.g. "Mar 4, 2025, 2:05 PM"; `—` when unknown. */
export function formatDateTime(time: number | null, locale?: string, timeZone?: string): string {
  if (time === null) return '—'
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(time)
}

/** When something started: the time alone if that was on `now`'s day, else date and time. */
export function formatSince(time: number, now: number, locale?: string, timeZone?: string): string {
  const day = new Intl.DateTimeFormat('en-CA', { dateStyle: 'short', timeZone })
  if (day.format(time) !== day.format(now)) return formatDateTime(time, locale, timeZone)
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(time)
}

/** How long from `since` to `now`, in the two largest units: "42 s", "5 min", "2 h 5 min", "3 d 4 h". */
export function formatElapsed(since: number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - since) / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  const days = Math.floor(hours / 24)
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`
}
