import { describe, expect, it } from 'vitest'

import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('lets a burst of its capacity through, then refills at its rate', () => {
    const bucket = new TokenBucket(4, 2, 0)
    expect([1, 2, 3, 4, 5].map(() => bucket.take(1, 0))).toEqual([true, true, true, true, false])
    expect(bucket.take(1, 400)).toBe(false)
    expect(bucket.take(1, 500)).toBe(true)
    // Idle time never banks more than the capacity.
    expect([1, 2, 3, 4, 5].map(() => bucket.take(1, 60_000))).toEqual([true, true, true, true, false])
  })
})
