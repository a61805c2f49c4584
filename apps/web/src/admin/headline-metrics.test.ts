import { describe, expect, it } from 'vitest'

import { headlineMetrics } from './headline-metrics.js'
import { parsePrometheusText } from './prometheus-text.js'

describe('headlineMetrics', () => {
  it('reads the headline numbers from a scrape of the server', () => {
    const samples = parsePrometheusText(`
tandem_connections{kind="document"} 3
tandem_connections{kind="events"} 5
tandem_rooms_loaded 2
tandem_messages_in_total 120
tandem_messages_out_total 340
tandem_bytes_in_total 2048
tandem_bytes_out_total 8192
tandem_updates_persisted_total 17
tandem_persist_duration_seconds_bucket{le="+Inf"} 4
tandem_persist_duration_seconds_sum 0.01
tandem_persist_duration_seconds_count 4
tandem_notifications_published_total 9
tandem_notifications_delivered_total 27
tandem_connections_rejected_total{reason="forbidden"} 1
tandem_connections_rejected_total{reason="unauthorized"} 4
tandem_connections_rejected_total{reason="slow_consumer"} 0
`)
    expect(headlineMetrics(samples)).toEqual({
      documentConnections: 3,
      eventConnections: 5,
      roomsLoaded: 2,
      messagesIn: 120,
      messagesOut: 340,
      bytesIn: 2048,
      bytesOut: 8192,
      updatesPersisted: 17,
      meanPersistMs: 2.5,
      notificationsPublished: 9,
      notificationsDelivered: 27,
      refusedConnections: 5,
      refusedByReason: [
        { reason: 'unauthorized', count: 4 },
        { reason: 'forbidden', count: 1 },
      ],
    })
  })

  it('counts what a fresh server has not exported yet as zero', () => {
    const metrics = headlineMetrics(parsePrometheusText('tandem_rooms_loaded 0\n'))
    expect(metrics).toMatchObject({
      documentConnections: 0,
      messagesIn: 0,
      meanPersistMs: null,
      refusedConnections: 0,
      refusedByReason: [],
    })
  })
})
