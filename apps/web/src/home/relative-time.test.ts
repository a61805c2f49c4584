import { describe, expect, it } from 'vitest'

import { relativeTime } from './relative-time.js'

const now = Date.UTC(2026, 2, 14, 12, 0, 0)
const ago = (ms: number): string => relativeTime(now - ms, now, 'en')

describe('relativeTime', () => {
  it('says "just now" under a minute, and for times slightly in the future', () => {
    expect(ago(0)).toBe('just now')
    expect(ago(59_000)).toBe('just now')
    expect(ago(-5_000)).toBe('just now')
  })

  it('counts minutes, hours, days, weeks, months and years', () => {
    expect(ago(60_000)).toBe('1 minute ago')
    expect(ago(5 * 60_000 + 10_000)).toBe('5 minutes ago')
    expect(ago(2 * 3600_000)).toBe('2 hours ago')
    expect(ago(26 * 3600_000)).toBe('yesterday')
    expect(ago(3 * 24 * 3600_000)).toBe('3 days ago')
    expect(ago(15 * 24 * 3600_000)).toBe('2 weeks ago')
    expect(ago(65 * 24 * 3600_000)).toBe('2 months ago')
    expect(ago(800 * 24 * 3600_000)).toBe('2 years ago')
  })
})
