import { setImmediate as nextTurn } from 'node:timers/promises'

import { describe, expect, it } from 'vitest'

import { EncodeBudget } from './encode-budget.js'

describe('EncodeBudget', () => {
  it('lets small answers share a turn up to the allowance', async () => {
    const budget = new EncodeBudget(20)
    for (let i = 0; i < 5; i++) {
      expect(budget.available).toBe(true)
      budget.charge(3)
    }
    // 15 spent: another 3 fits, a sixth and seventh do not.
    budget.charge(3)
    expect(budget.available).toBe(false)
    await nextTurn()
    expect(budget.available).toBe(true)
  })

  it('does not start a second large answer in a turn it would overrun', async () => {
    const budget = new EncodeBudget(20)
    expect(budget.available).toBe(true)
    budget.charge(15)
    // 15 + another 15 would be 30: it waits for the next turn, where the first one always may go.
    expect(budget.available).toBe(false)
    await nextTurn()
    expect(budget.available).toBe(true)
    budget.charge(25)
    expect(budget.available).toBe(false)
  })
})
