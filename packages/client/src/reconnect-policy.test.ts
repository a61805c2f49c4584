import { describe, expect, it } from 'vitest'

import { DEFAULT_RECONNECT_POLICY, reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js'

const policy: ReconnectPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2, jitter: 0.5 }

describe('reconnectDelay', () => {
  it('doubles the ceiling with each attempt until the maximum', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => reconnectDelay(attempt, policy, () => 1))
    expect(ceilings).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000])
  })

  it('spreads each wait between the floor and the ceiling', () => {
    expect(reconnectDelay(3, policy, () => 0)).toBe(400)
    expect(reconnectDelay(3, policy, () => 0.5)).toBe(600)
    expect(reconnectDelay(3, policy, () => 0.999)).toBe(800)
  })

  it('gives clients that failed together different waits', () => {
    const waits = new Set(Array.from({ length: 50 }, () => reconnectDelay(4, policy)))
    expect(waits.size).toBeGreaterThan(10)
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(800)
      expect(wait).toBeLessThanOrEqual(1_600)
    }
  })

  it('supports full jitter and no jitter', () => {
    expect(reconnectDelay(2, { ...policy, jitter: 1 }, () => 0)).toBe(0)
    expect(reconnectDelay(2, { ...policy, jitter: 0 }, () => 0.7)).toBe(400)
  })

  it('stays finite and capped for absurd attempt counts and treats negatives as the first', () => {
    expect(reconnectDelay(10_000, policy, () => 0)).toBe(2_500)
    expect(reconnectDelay(10_000, policy, () => 0.9999)).toBe(5_000)
    expect(reconnectDelay(-3, policy, () => 1)).toBe(100)
  })

  it('has a default that starts under a second and ends at half a minute', () => {
    expect(reconnectDelay(0, DEFAULT_RECONNECT_POLICY, () => 1)).toBeLessThan(1_000)
    expect(reconnectDelay(30, DEFAULT_RECONNECT_POLICY, () => 1)).toBe(30_000)
  })
})
