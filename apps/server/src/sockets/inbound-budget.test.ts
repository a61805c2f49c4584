import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { ConnectionError } from '../errors.js'
import { InboundBudget } from './inbound-budget.js'

function closeCodeOf(run: () => void): number | null {
  try {
    run()
    return null
  } catch (error) {
    return error instanceof ConnectionError ? error.closeCode : -1
  }
}

describe('InboundBudget', () => {
  const limits = { messagesPerSecond: 10, bytesPerSecond: 1000, rejectedPerMinute: 3, maxFrameBytes: 5000 }

  it('allows twice the message rate in a burst and closes with RateLimited past it', () => {
    const budget = new InboundBudget(limits, 0)
    for (let i = 0; i < 20; i++) expect(closeCodeOf(() => budget.charge(1, 0))).toBeNull()
    expect(closeCodeOf(() => budget.charge(1, 0))).toBe(CloseCode.RateLimited)
    expect(closeCodeOf(() => new InboundBudget(limits, 0).charge(1, 1000))).toBeNull()
  })

  it('always has room for one largest frame, and counts bytes past it', () => {
    const budget = new InboundBudget(limits, 0)
    // 5000 bytes: one largest frame (more than one second's worth here).
    expect(closeCodeOf(() => budget.charge(5000, 0))).toBeNull()
    expect(closeCodeOf(() => budget.charge(100, 0))).toBe(CloseCode.RateLimited)
    expect(closeCodeOf(() => new InboundBudget(limits, 0).charge(5001, 0))).toBe(CloseCode.RateLimited)
  })

  it('gives back what an echo cost', () => {
    const budget = new InboundBudget(limits, 0)
    for (let i = 0; i < 100; i++) {
      budget.charge(4000, 0)
      budget.refund(4000)
    }
    expect(closeCodeOf(() => budget.charge(4000, 0))).toBeNull()
  })

  it('counts refused frames per minute', () => {
    const budget = new InboundBudget(limits, 0)
    for (let i = 0; i < 3; i++) expect(closeCodeOf(() => budget.refused(0))).toBeNull()
    expect(closeCodeOf(() => budget.refused(0))).toBe(CloseCode.RateLimited)
    expect(closeCodeOf(() => budget.refused(20_000))).toBeNull()
  })
})
