import { describe, expect, it } from 'vitest'

import { niceCeiling, sparklinePaths } from './sparkline-path.js'

const frame = { from: 1_000, to: 2_000, max: 10, width: 200, height: 40 }

describe('sparklinePaths', () => {
  it('runs time left to right and values bottom to top', () => {
    const { line, area } = sparklinePaths(
      [
        { at: 1_000, value: 0 },
        { at: 1_500, value: 5 },
        { at: 2_000, value: 10 },
      ],
      frame,
    )
    expect(line).toBe('M0,40L100,20L200,0')
    expect(area).toBe('M0,40L0,40L100,20L200,0L200,40Z')
  })

  it('breaks the line where a value is missing, and draws a lone point as a dot', () => {
    const { line, area } = sparklinePaths(
      [
        { at: 1_000, value: 2 },
        { at: 1_250, value: 4 },
        { at: 1_500, value: null },
        { at: 1_750, value: 8 },
      ],
      frame,
    )
    expect(line).toBe('M0,32L50,24M150,8h0')
    // No area under a dot.
    expect(area).toBe('M0,40L0,32L50,24L50,40Z')
  })

  it('keeps values past the scale and times outside the window on the edge of the box', () => {
    const { line } = sparklinePaths(
      [
        { at: 500, value: -3 },
        { at: 2_500, value: 25 },
      ],
      frame,
    )
    expect(line).toBe('M0,40L200,0')
  })

  it('draws nothing without values, and puts a single instant at the right edge', () => {
    expect(sparklinePaths([], frame)).toEqual({ line: '', area: '' })
    expect(sparklinePaths([{ at: 1_000, value: null }], frame)).toEqual({ line: '', area: '' })
    expect(sparklinePaths([{ at: 5, value: 0 }], { ...frame, from: 5, to: 5 }).line).toBe('M200,40h0')
  })

  it('rounds coordinates to a tenth, which is all a screen shows', () => {
    expect(sparklinePaths([{ at: 1_001, value: 1 / 3 }], frame).line).toBe('M0.2,38.7h0')
  })
})

describe('niceCeiling', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeiling(3, 1)).toBe(5)
    expect(niceCeiling(12, 1)).toBe(20)
    expect(niceCeiling(50, 1)).toBe(50)
    expect(niceCeiling(51, 1)).toBe(100)
    expect(niceCeiling(0.07, 0.01)).toBe(0.1)
  })

  it('never goes below the floor, so a quiet chart does not magnify noise', () => {
    expect(niceCeiling(0, 1)).toBe(1)
    expect(niceCeiling(0.2, 1)).toBe(1)
  })
})
