import { adminStatsSchema } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { ServerMetrics, TrafficCounters } from './server-metrics.js'

describe('ServerMetrics.headline', () => {
  it('reads the console numbers from the metrics /metrics exports', async () => {
    const traffic = new TrafficCounters()
    traffic.messagesIn = 7
    traffic.bytesOut = 1234
    const metrics = new ServerMetrics({
      documentConnections: () => 3,
      eventConnections: () => 1,
      roomsLoaded: () => 2,
      traffic,
      hub: { published: 5, delivered: 9 },
    })
    expect(await metrics.headline()).toMatchObject({ meanPersistMs: null, refusedConnections: 0, refusedByReason: [] })
    metrics.rejected.inc({ reason: 'forbidden' }, 2)
    metrics.rejected.inc({ reason: 'unauthorized' })
    metrics.rejected.inc({ reason: 'not_found' }, 2)
    metrics.updatesPersisted.inc(4)
    metrics.persistSeconds.observe(0.002)
    metrics.persistSeconds.observe(0.004)

    const headline = adminStatsSchema.parse(await metrics.headline())
    expect(headline).toEqual({
      documentConnections: 3,
      eventConnections: 1,
      roomsLoaded: 2,
      messagesIn: 7,
      messagesOut: 0,
      bytesIn: 0,
      bytesOut: 1234,
      updatesPersisted: 4,
      meanPersistMs: 3,
      notificationsPublished: 5,
      notificationsDelivered: 9,
      refusedConnections: 5,
      refusedByReason: [
        { reason: 'forbidden', count: 2 },
        { reason: 'not_found', count: 2 },
        { reason: 'unauthorized', count: 1 },
      ],
    })
  })
})

describe('log flush metrics', () => {
  const sources = {
    documentConnections: () => 0,
    eventConnections: () => 0,
    roomsLoaded: () => 0,
    traffic: new TrafficCounters(),
    hub: { published: 0, delivered: 0 },
  }
  const value = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])

  it('say how long ago the log was last made durable, and how long that took', async () => {
    let last: { at: number; ms: number } | null = { at: Date.now() - 2_500, ms: 12 }
    const metrics = new ServerMetrics({ ...sources, logFlush: () => last })
    let { body } = await metrics.scrape()
    expect(value(body, 'tandem_log_flush_age_seconds')).toBeGreaterThanOrEqual(2.5)
    expect(value(body, 'tandem_log_flush_age_seconds')).toBeLessThan(10)
    expect(value(body, 'tandem_log_flush_duration_seconds')).toBe(0.012)
    last = { at: Date.now(), ms: 3 }
    ;({ body } = await metrics.scrape())
    expect(value(body, 'tandem_log_flush_age_seconds')).toBeLessThan(1)
  })

  it('are absent when every commit fsyncs', async () => {
    const { body } = await new ServerMetrics(sources).scrape()
    expect(body).not.toContain('tandem_log_flush')
  })
})
