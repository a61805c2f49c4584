import { describe, expect, it } from 'vitest'

import { RoomQuota, RoomQuotaError } from './room-quota.js'

describe('RoomQuota', () => {
  it('admits new documents up to the limit, counting those admitted since the last count', async () => {
    let stored = 2
    let counts = 0
    const quota = new RoomQuota({ count: async () => (counts++, stored) }, 4)
    await quota.admit(1000)
    await quota.admit(1001)
    await expect(quota.admit(1002)).rejects.toBeInstanceOf(RoomQuotaError)
    expect(counts).toBe(1)
    // A second later the store is asked again: two were purged meanwhile.
    stored = 2
    await quota.admit(2000)
    await quota.admit(2001)
    await expect(quota.admit(2002)).rejects.toThrow(/MAX_ROOMS/)
    expect(counts).toBe(2)
  })

  it('counts rooms open with nothing stored yet, which become documents at their first edit', async () => {
    let silent = 0
    const quota = new RoomQuota({ count: async () => 1 }, 3, () => silent)
    await quota.admit(1000)
    silent = 1
    // A second later: one stored, one open and silent, so one more fits.
    await quota.admit(2000)
    silent = 2
    await expect(quota.admit(3000)).rejects.toBeInstanceOf(RoomQuotaError)
  })
})
