import { describe, expect, it } from 'vitest'

import { SeqTracker } from './seq-tracker.js'

describe('SeqTracker', () => {
  it('raises the floor over consecutive rows, whoever wrote them and in any order', () => {
    const tracker = new SeqTracker(4)
    tracker.add(7, 8)
    expect(tracker.floor).toBe(4)
    expect(tracker.hasGap).toBe(true)
    tracker.add(5, 5)
    expect(tracker.floor).toBe(5)
    tracker.add(6, 6)
    expect(tracker.floor).toBe(8)
    expect(tracker.hasGap).toBe(false)
  })

  it('ignores rows at or below the floor', () => {
    const tracker = new SeqTracker(10)
    tracker.add(3, 10)
    expect(tracker.floor).toBe(10)
    expect(tracker.hasGap).toBe(false)
    expect(tracker.holds(1, 10)).toBe(true)
  })

  it('tells whether a range is held', () => {
    const tracker = new SeqTracker(2)
    tracker.add(5, 6)
    expect(tracker.holds(5, 6)).toBe(true)
    expect(tracker.holds(4, 6)).toBe(false)
    expect(tracker.holds(1, 2)).toBe(true)
  })

  it('raiseTo covers what a whole reload brought, and keeps rows held past it', () => {
    const tracker = new SeqTracker(1)
    tracker.add(4, 4)
    tracker.add(9, 9)
    tracker.raiseTo(7)
    expect(tracker.floor).toBe(7)
    expect(tracker.hasGap).toBe(true)
    tracker.add(8, 8)
    expect(tracker.floor).toBe(9)
    tracker.raiseTo(3)
    expect(tracker.floor).toBe(9)
  })
})
