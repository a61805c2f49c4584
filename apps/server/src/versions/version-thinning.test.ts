import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { HOURLY_UNTIL_MS, KEEP_ALL_MS, versionsToThin } from './version-thinning.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0)

describe('versionsToThin', () => {
  it('keeps every version of the last day', () => {
    const versions = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, createdAt: NOW - i * 10 * 60_000 }))
    expect(versionsToThin(versions.slice(0, 144 / 2), NOW)).toEqual([])
  })

  it('keeps the newest of each hour between a day and a month', () => {
    const base = Date.UTC(2026, 10, 20, 9, 0, 0) // ten days old
    const versions = [
      { id: 1, createdAt: base + 5 * 60_000 },
      { id: 2, createdAt: base + 20 * 60_000 },
      { id: 3, createdAt: base + 59 * 60_000 },
      { id: 4, createdAt: base + HOUR + 1 },
    ]
    expect(versionsToThin(versions, NOW).sort()).toEqual([1, 2])
  })

  it('keeps the newest of each day past a month', () => {
    const day = Date.UTC(2026, 8, 1) // three months old
    const versions = [
      { id: 1, createdAt: day + 1 * HOUR },
      { id: 2, createdAt: day + 13 * HOUR },
      { id: 3, createdAt: day + 23 * HOUR },
      { id: 4, createdAt: day + DAY + HOUR },
    ]
    expect(versionsToThin(versions, NOW).sort()).toEqual([1, 2])
  })

  it('never drops a version of the last day, and leaves at most one per hour or day beyond', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 * DAY }), { maxLength: 200 }), (ages) => {
        const versions = ages.map((age, i) => ({ id: i + 1, createdAt: NOW - age }))
        const dropped = new Set(versionsToThin(versions, NOW))
        const kept = versions.filter((v) => !dropped.has(v.id))
        for (const v of versions) if (NOW - v.createdAt <= KEEP_ALL_MS) expect(dropped.has(v.id)).toBe(false)
        const buckets = new Map<string, number>()
        for (const v of kept) {
          const age = NOW - v.createdAt
          if (age <= KEEP_ALL_MS) continue
          const key = age <= HOURLY_UNTIL_MS ? `h${Math.floor(v.createdAt / HOUR)}` : `d${Math.floor(v.createdAt / DAY)}`
          buckets.set(key, (buckets.get(key) ?? 0) + 1)
        }
        for (const count of buckets.values()) expect(count).toBe(1)
        // Every bucket that had a version keeps one: thinning never empties an hour or a day.
        const had = new Set(
          versions
            .filter((v) => NOW - v.createdAt > KEEP_ALL_MS)
            .map((v) =>
              NOW - v.createdAt <= HOURLY_UNTIL_MS ? `h${Math.floor(v.createdAt / HOUR)}` : `d${Math.floor(v.createdAt / DAY)}`,
            ),
        )
        expect(buckets.size).toBe(had.size)
      }),
    )
  })
})
