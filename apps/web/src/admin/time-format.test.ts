import { describe, expect, it } from 'vitest'

import { formatDateTime, formatElapsed, formatSince } from './time-format.js'

describe('formatElapsed', () => {
  const now = 1_700_000_000_000

  it('uses the two largest units', () => {
    expect(formatElapsed(now - 42_000, now)).toBe('42 s')
    expect(formatElapsed(now - 5 * 60_000 - 59_000, now)).toBe('5 min')
    expect(formatElapsed(now - 2 * 3600_000, now)).toBe('2 h')
    expect(formatElapsed(now - 2 * 3600_000 - 5 * 60_000, now)).toBe('2 h 5 min')
    expect(formatElapsed(now - 3 * 86_400_000, now)).toBe('3 d')
    expect(formatElapsed(now - 3 * 86_400_000 - 4 * 3600_000, now)).toBe('3 d 4 h')
  })

  it('treats a start in the future (clock skew) as just now', () => {
    expect(formatElapsed(now + 5_000, now)).toBe('0 s')
  })
})

describe('formatSince', () => {
  // ICU versions differ in the space before PM (U+0020 or U+202F).
  const plain = (text: string): string => text.replace(/\s/gu, ' ')
  const now = Date.UTC(2025, 2, 4, 18, 30)

  it('gives only the time for a start earlier the same day', () => {
    expect(plain(formatSince(Date.UTC(2025, 2, 4, 14, 5), now, 'en-US', 'UTC'))).toBe('2:05 PM')
  })

  it('adds the date for a start on another day', () => {
    expect(plain(formatSince(Date.UTC(2025, 2, 3, 23, 55), now, 'en-US', 'UTC'))).toBe('Mar 3, 2025, 11:55 PM')
  })
})

describe('formatDateTime', () => {
  it('shows date and time, or a dash when unknown', () => {
    // ICU versions differ in the space before PM (U+0020 or U+202F).
    expect(formatDateTime(Date.UTC(2025, 2, 4, 14, 5), 'en-US', 'UTC').replace(/\s/gu, ' ')).toBe('Mar 4, 2025, 2:05 PM')
    expect(formatDateTime(null)).toBe('—')
  })
})
