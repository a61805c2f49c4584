/** Versions grouped by the local day they were made: "Today", "Yesterday", then dates. */

/** A run of items of one local day, newest first as given. */
export interface DayGroup<T> {
  label: string
  items: T[]
}

function dayStart(time: number): number {
  const date = new Date(time)
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
}

/** The label of the local day of `time`, as of `now`. */
export function dayLabel(time: number, now: number, locale?: string): string {
  const today = dayStart(now)
  const day = dayStart(time)
  if (day === today) return 'Today'
  // One calendar day back (not 24 h: days around a clock change last 23 or 25 hours).
  const yesterday = dayStart(today - 12 * 3600_000)
  if (day === yesterday) return 'Yesterday'
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(time)
}

/** `items` (newest first) in runs of one local day each. */
export function groupByDay<T>(items: readonly T[], timeOf: (item: T) => number, now: number, locale?: string): DayGroup<T>[] {
  const groups: DayGroup<T>[] = []
  for (const item of items) {
    const label = dayLabel(timeOf(item), now, locale)
    const last = groups.at(-1)
    if (last?.label === label) last.items.push(item)
    else groups.push({ label, items: [item] })
  }
  return groups
}
