import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createRefreshScheduler } from './refresh-scheduler.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function setup(results: boolean[] = []) {
  let visible = true
  const pending: ((ok: boolean) => void)[] = []
  let calls = 0
  const scheduler = createRefreshScheduler({
    refresh: () => {
      calls++
      // Fetches complete when the test says so, unless a result is queued.
      if (results.length > 0) return Promise.resolve(results.shift()!)
      return new Promise<boolean>((resolve) => pending.push(resolve))
    },
    debounceMs: 250,
    fallbackMs: 30_000,
    retryMs: 5_000,
    isVisible: () => visible,
  })
  return {
    scheduler,
    calls: () => calls,
    finish: async (ok = true) => {
      pending.shift()!(ok)
      await vi.advanceTimersByTimeAsync(0)
    },
    setVisible: (next: boolean) => {
      visible = next
      scheduler.visibilityChanged()
    },
  }
}

describe('createRefreshScheduler', () => {
  it('fetches on start, then once per burst of pokes after the debounce', async () => {
    const { scheduler, calls, finish } = setup()
    scheduler.start()
    expect(calls()).toBe(1)
    await finish()
    scheduler.poke()
    await vi.advanceTimersByTimeAsync(100)
    scheduler.poke()
    scheduler.poke()
    expect(calls()).toBe(1)
    await vi.advanceTimersByTimeAsync(150)
    expect(calls()).toBe(2)
    await finish()
  })

  it('does not let a steady stream of pokes postpone the fetch', async () => {
    const { scheduler, calls, finish } = setup()
    scheduler.start()
    await finish()
    for (let i = 0; i < 10; i++) {
      scheduler.poke()
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(calls()).toBeGreaterThanOrEqual(2)
  })

  it('never runs two fetches at once, and fetches again after one that a poke overtook', async () => {
    const { scheduler, calls, finish } = setup()
    scheduler.start()
    scheduler.poke()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(calls()).toBe(1)
    await finish()
    await vi.advanceTimersByTimeAsync(250)
    expect(calls()).toBe(2)
    await finish()
  })

  it('polls slowly without pokes, and retries a failed fetch sooner', async () => {
    const { scheduler, calls, finish } = setup()
    scheduler.start()
    await finish(false)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(calls()).toBe(2)
    await finish(true)
    await vi.advanceTimersByTimeAsync(29_000)
    expect(calls()).toBe(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(calls()).toBe(3)
    await finish()
  })

  it('fetches nothing while hidden, and at once when shown again', async () => {
    const { scheduler, calls, finish, setVisible } = setup()
    scheduler.start()
    await finish()
    setVisible(false)
    scheduler.poke()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls()).toBe(1)
    setVisible(true)
    expect(calls()).toBe(2)
    await finish()
  })
})
