import { adminStatsHistorySchema } from '@tandem/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ServerMetrics, TrafficCounters } from './server-metrics.js'
import { quantileSeconds, StatsHistory } from './stats-history.js'

/** Real metrics over sources the test moves by hand. */
function serverMetrics() {
  const live = { documents: 0, events: 0 }
  const hub = { published: 0, delivered: 0 }
  const metrics = new ServerMetrics({
    documentConnections: () => live.documents,
    eventConnections: () => live.events,
    roomsLoaded: () => 0,
    traffic: new TrafficCounters(),
    hub,
  })
  return { metrics, live, hub }
}

/** Start `history` and let its first reading land. */
async function started(history: StatsHistory): Promise<StatsHistory> {
  history.start()
  await vi.advanceTimersByTimeAsync(0)
  return history
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('StatsHistory', () => {
  it('turns counters into rates over each interval, with the connections at its end', async () => {
    const { metrics, live, hub } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 10_000 }))
    const startedAt = Date.now()

    live.documents = 3
    live.events = 2
    metrics.updatesPersisted.inc(50)
    hub.published += 20
    metrics.rejected.inc({ reason: 'forbidden' }, 2)
    metrics.rejected.inc({ reason: 'rate_limited' })
    await vi.advanceTimersByTimeAsync(10_000)
    metrics.updatesPersisted.inc(5)
    live.documents = 1
    await vi.advanceTimersByTimeAsync(10_000)

    const { intervalMs, samples } = adminStatsHistorySchema.parse(await history.history())
    expect(intervalMs).toBe(10_000)
    // Two full intervals; the current one has just begun, so its window reaches back into the last.
    expect(samples.slice(0, 2)).toEqual([
      { at: startedAt + 10_000, connections: 5, editsPerSecond: 5, notificationsPerSecond: 2, persistP99Ms: null, refused: 3 },
      { at: startedAt + 20_000, connections: 3, editsPerSecond: 0.5, notificationsPerSecond: 0, persistP99Ms: null, refused: 0 },
    ])
    history.stop()
  })

  it('takes the persist p99 of each interval from the histogram, not of all time', async () => {
    const { metrics } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 10_000 }))
    for (let i = 0; i < 90; i++) metrics.persistSeconds.observe(0.002)
    for (let i = 0; i < 10; i++) metrics.persistSeconds.observe(0.2)
    await vi.advanceTimersByTimeAsync(10_000)
    for (let i = 0; i < 100; i++) metrics.persistSeconds.observe(0.002)
    await vi.advanceTimersByTimeAsync(10_000)
    await vi.advanceTimersByTimeAsync(10_000)

    const { samples } = await history.history()
    // Rank 99 of 100 falls in (0.1 s, 0.25 s], the 9th of its 10: 100 + 150 × 9/10 ms.
    expect(samples[0]!.persistP99Ms).toBe(235)
    // Only fast writes in the second: inside (1 ms, 2.5 ms].
    expect(samples[1]!.persistP99Ms).toBeGreaterThan(1)
    expect(samples[1]!.persistP99Ms).toBeLessThanOrEqual(2.5)
    // No writes in the third.
    expect(samples[2]!.persistP99Ms).toBeNull()
    history.stop()
  })

  it('keeps only the newest samples, oldest first', async () => {
    const { metrics } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 1_000, capacity: 3 }))
    const startedAt = Date.now()
    for (let second = 1; second <= 5; second++) {
      metrics.updatesPersisted.inc(second)
      await vi.advanceTimersByTimeAsync(1_000)
    }
    // Read just as the fifth sample is taken: no time has passed since, so no partial sample follows it.
    const { samples } = await history.history()
    expect(samples.map((sample) => [sample.at - startedAt, sample.editsPerSecond])).toEqual([
      [3_000, 3],
      [4_000, 4],
      [5_000, 5],
    ])
    history.stop()
  })

  it('is not empty before the first interval ends: the newest sample covers the time up to now', async () => {
    const { metrics, live } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 10_000 }))
    live.documents = 2
    metrics.updatesPersisted.inc(8)
    await vi.advanceTimersByTimeAsync(4_000)

    const { samples } = await history.history()
    expect(samples).toEqual([
      { at: Date.now(), connections: 2, editsPerSecond: 2, notificationsPerSecond: 0, persistP99Ms: null, refused: 0 },
    ])
    history.stop()
  })

  it('averages the newest sample over at least half an interval, so it does not drop to zero right after a sample', async () => {
    const { metrics } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 10_000 }))
    for (let second = 0; second < 11; second++) {
      metrics.updatesPersisted.inc(10)
      await vi.advanceTimersByTimeAsync(1_000)
    }
    // One second after the sample at 10 s: the window starts at the reading before it.
    const { samples } = await history.history()
    expect(samples).toHaveLength(2)
    expect(samples[1]).toMatchObject({ at: Date.now(), editsPerSecond: 10 })
    history.stop()
  })

  it('stops sampling when stopped, and keeps what it has', async () => {
    const { metrics } = serverMetrics()
    const history = await started(new StatsHistory(metrics, { intervalMs: 1_000 }))
    await vi.advanceTimersByTimeAsync(2_000)
    history.stop()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(5_000)
    const { samples } = await history.history()
    expect(samples.filter((sample) => sample.at < Date.now())).toHaveLength(2)
  })
})

describe('quantileSeconds', () => {
  const buckets = (...counts: number[]) => [0.001, 0.01, 0.1, Infinity].map((le, i) => ({ le, count: counts[i]! }))

  it('interpolates inside the bucket the rank falls in, over the observations between two readings', () => {
    expect(quantileSeconds(0.5, buckets(0, 0, 0, 0), buckets(0, 10, 10, 10))).toBeCloseTo(0.001 + 0.009 * 0.5)
    // The 10 observations before the first reading are not counted.
    expect(quantileSeconds(0.5, buckets(10, 10, 10, 10), buckets(10, 20, 20, 20))).toBeCloseTo(0.0055)
  })

  it('says the highest finite bound when the rank is past it, and null without observations', () => {
    expect(quantileSeconds(0.99, buckets(0, 0, 0, 0), buckets(0, 0, 1, 10))).toBe(0.1)
    expect(quantileSeconds(0.99, buckets(3, 3, 3, 3), buckets(3, 3, 3, 3))).toBeNull()
  })
})
