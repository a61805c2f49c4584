import { describe, expect, it } from 'vitest'

import { dayLabel, groupByDay } from './day-groups.js'

const NOW = new Date(2026, 10, 30, 10, 0).getTime()

describe('groupByDay', () => {
  it('labels today, yesterday and older days, in order', () => {
    const times = [
      new Date(2026, 10, 30, 9).getTime(),
      new Date(2026, 10, 30, 0, 5).getTime(),
      new Date(2026, 10, 29, 23).getTime(),
      new Date(2026, 10, 20, 8).getTime(),
    ]
    const groups = groupByDay(times, (t) => t, NOW, 'en-US')
    expect(groups.map((g) => [g.label, g.items.length])).toEqual([
      ['Today', 2],
      ['Yesterday', 1],
      ['Friday, November 20', 1],
    ])
  })

  it('names the year of another year', () => {
    expect(dayLabel(new Date(2025, 0, 2).getTime(), NOW, 'en-US')).toBe('Thursday, January 2, 2025')
  })
})
