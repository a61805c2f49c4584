import { describe, expect, it } from 'vitest'

import { formatBytes, formatCount, formatExactCount } from './quantity-format.js'

describe('formatBytes', () => {
  it('keeps small sizes in bytes', () => {
    expect(formatBytes(0, 'en')).toBe('0 B')
    expect(formatBytes(1023, 'en')).toBe('1023 B')
  })

  it('uses binary units with one decimal below ten', () => {
    expect(formatBytes(1536, 'en')).toBe('1.5 KB')
    expect(formatBytes(12 * 1024 + 700, 'en')).toBe('13 KB')
    expect(formatBytes(5 * 1024 ** 2, 'en')).toBe('5 MB')
    expect(formatBytes(3.25 * 1024 ** 3, 'en')).toBe('3.3 GB')
    expect(formatBytes(2048 * 1024 ** 4, 'en')).toBe('2,048 TB')
  })

  it('never shows a negative or non-finite size', () => {
    expect(formatBytes(-5, 'en')).toBe('0 B')
    expect(formatBytes(Number.NaN, 'en')).toBe('0 B')
  })
})

describe('counts', () => {
  it('are compact in headlines and exact in tooltips', () => {
    expect(formatCount(950, 'en')).toBe('950')
    expect(formatCount(12_345, 'en')).toBe('12.3K')
    expect(formatCount(4_500_000, 'en')).toBe('4.5M')
    expect(formatExactCount(12_345, 'en')).toBe('12,345')
  })
})
