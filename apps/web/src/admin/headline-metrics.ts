/** The few numbers the console shows at the top, picked out of the server's `/metrics` samples. */
import { type MetricSample, metricValue } from './prometheus-text.js'

/** Headline numbers of one scrape. Counters count since the server started. */
export interface HeadlineMetrics {
  documentConnections: number
  eventConnections: number
  roomsLoaded: number
  messagesIn: number
  messagesOut: number
  bytesIn: number
  bytesOut: number
  updatesPersisted: number
  /** Mean time to write one batch of updates, in milliseconds; `null` before the first write. */
  meanPersistMs: number | null
  notificationsPublished: number
  notificationsDelivered: number
  /** Connections refused or cut off, over every reason. */
  refusedConnections: number
  /** The same, by reason, most frequent first; reasons that never happened are left out. */
  refusedByReason: { reason: string; count: number }[]
}

/** Pick the headline numbers from `samples`; a metric the server does not export counts as 0. */
export function headlineMetrics(samples: readonly MetricSample[]): HeadlineMetrics {
  const value = (name: string, labels?: Record<string, string>): number => metricValue(samples, name, labels) ?? 0
  const persistCount = value('tandem_persist_duration_seconds_count')
  const refusedByReason = samples
    .filter((sample) => sample.name === 'tandem_connections_rejected_total' && sample.value > 0)
    .map((sample) => ({ reason: sample.labels.reason ?? 'unknown', count: sample.value }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
  return {
    documentConnections: value('tandem_connections', { kind: 'document' }),
    eventConnections: value('tandem_connections', { kind: 'events' }),
    roomsLoaded: value('tandem_rooms_loaded'),
    messagesIn: value('tandem_messages_in_total'),
    messagesOut: value('tandem_messages_out_total'),
    bytesIn: value('tandem_bytes_in_total'),
    bytesOut: value('tandem_bytes_out_total'),
    updatesPersisted: value('tandem_updates_persisted_total'),
    meanPersistMs: persistCount > 0 ? (value('tandem_persist_duration_seconds_sum') / persistCount) * 1000 : null,
    notificationsPublished: value('tandem_notifications_published_total'),
    notificationsDelivered: value('tandem_notifications_delivered_total'),
    refusedConnections: refusedByReason.reduce((sum, entry) => sum + entry.count, 0),
    refusedByReason,
  }
}
