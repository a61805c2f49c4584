/**
 * Prometheus metrics of one server, on a registry of its own (never prom-client's global one, so two
 * servers in one process — tests — do not mix). Counters that live elsewhere (hub, traffic) are read
 * at scrape time.
 */
import type { AdminStats } from '@tandem/protocol'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Message and byte counts of the WebSocket transports, incremented where frames pass. */
export class TrafficCounters {
  messagesIn = 0
  messagesOut = 0
  bytesIn = 0
  bytesOut = 0

  /** Count one frame received. */
  received(bytes: number): void {
    this.messagesIn++
    this.bytesIn += bytes
  }

  /** Count one frame sent. */
  sent(bytes: number): void {
    this.messagesOut++
    this.bytesOut += bytes
  }
}

/** Live numbers the metrics read at scrape time. */
export interface MetricSources {
  documentConnections(): number
  eventConnections(): number
  roomsLoaded(): number
  traffic: TrafficCounters
  hub: { published: number; delivered: number }
  /** The Redis bridge's message counts, or `null` while there is no bridge. */
  redisBridge?: () => { republished: number; dropped: number; tooDeep: number } | null
  /** The integration probe's counts (see rooms/integration-probe.ts). */
  integration?: { measured: number; tooCostly: number; watchdogKills: number }
  /** The document mirrors' counts and how many are live (see rooms/document-mirrors.ts). */
  mirrors?: { counters: { seeded: number; encoded: number; lost: number }; readonly size: number }
  /**
   * The last fsync and checkpoint of the database log by the flush worker (`at`, ms since the epoch;
   * `ms`, how long it took), `null` before the first.
   */
  logFlush?: () => { at: number; ms: number } | null
  /** Power-safe mode: the fsyncs that commits waited for (see storage/log-sync.ts). */
  logSync?: { readonly stats: { syncs: number; commits: number; lastMs: number } }
  /** On a cluster: its bus's and replication's counts, and whether this node hears the others. */
  cluster?: {
    readonly ready: boolean
    readonly counters: {
      bus: { published: number; received: number; dropped: number; publishFailed: number }
      rooms: { applied: number; reconciled: number; rowsFetched: number; reloads: number }
    }
  }
}

/** Why connections were refused. */
export type RejectionReason =
  | 'unauthorized'
  | 'token_expired'
  | 'forbidden'
  | 'origin_not_allowed'
  | 'invalid_room_name'
  | 'not_found'
  | 'room_unavailable'
  | 'slow_consumer'
  // Malformed requests and the admission limits (see admission/).
  | 'bad_request'
  | 'request_timeout'
  | 'host_not_allowed'
  | 'too_many_connections'
  | 'too_many_sockets'
  | 'server_busy'
  | 'too_many_new_rooms'
  | 'too_many_uploads'
  | 'room_deleted'
  // MAX_ROOMS reached (507 / 4507), and edits refused by MAX_DOCUMENT_BYTES (4413).
  | 'too_many_rooms'
  | 'document_full'
  // A document connection over its message, byte or refusal budget, or awareness id caps (4429).
  | 'rate_limited'

/** Counter that follows a monotonic number owned by someone else. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let last = 0
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read()
      if (now > last) this.inc(now - last)
      last = now
    },
  })
}

/** The server's metrics. */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly updatesPersisted: Counter
  readonly persistSeconds: Histogram
  readonly rejected: Counter<'reason'>
  readonly droppedReadOnlyUpdates: Counter

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    new Gauge({
      name: 'tandem_connections',
      help: 'Open WebSocket connections, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        this.set({ kind: 'document' }, sources.documentConnections())
        this.set({ kind: 'events' }, sources.eventConnections())
      },
    })
    new Gauge({
      name: 'tandem_rooms_loaded',
      help: 'Rooms held in memory',
      registers,
      collect() {
        this.set(sources.roomsLoaded())
      },
    })
    mirroredCounter(this.registry, 'tandem_messages_in_total', 'WebSocket frames received', () => sources.traffic.messagesIn)
    mirroredCounter(this.registry, 'tandem_messages_out_total', 'WebSocket frames sent', () => sources.traffic.messagesOut)
    mirroredCounter(this.registry, 'tandem_bytes_in_total', 'WebSocket payload bytes received', () => sources.traffic.bytesIn)
    mirroredCounter(this.registry, 'tandem_bytes_out_total', 'WebSocket payload bytes sent', () => sources.traffic.bytesOut)
    mirroredCounter(
      this.registry,
      'tandem_notifications_published_total',
      'Channel messages published (one per channel)',
      () => sources.hub.published,
    )
    mirroredCounter(
      this.registry,
      'tandem_notifications_delivered_total',
      'Channel messages handed to live subscribers',
      () => sources.hub.delivered,
    )
    const bridge = () => sources.redisBridge?.() ?? { republished: 0, dropped: 0, tooDeep: 0 }
    mirroredCounter(this.registry, 'tandem_redis_republished_total', 'Redis messages republished on channels', () => bridge().republished)
    mirroredCounter(
      this.registry,
      'tandem_redis_dropped_total',
      'Redis messages dropped: bad channel name, too large, too deep or not stored',
      () => bridge().dropped,
    )
    mirroredCounter(
      this.registry,
      'tandem_redis_too_deep_total',
      'Redis messages dropped for JSON nested deeper than MAX_PUBLISH_DEPTH',
      () => bridge().tooDeep,
    )
    const integration = () => sources.integration ?? { measured: 0, tooCostly: 0, watchdogKills: 0 }
    mirroredCounter(
      this.registry,
      'tandem_updates_measured_total',
      'Document updates timed in the integration worker before the main thread integrated them',
      () => integration().measured,
    )
    mirroredCounter(
      this.registry,
      'tandem_updates_too_costly_total',
      'Document updates refused for taking Yjs longer than MAX_INTEGRATION_MS',
      () => integration().tooCostly,
    )
    mirroredCounter(
      this.registry,
      'tandem_integration_worker_restarts_total',
      'Integration workers terminated by the watchdog',
      () => integration().watchdogKills,
    )
    const logFlush = sources.logFlush
    if (logFlush) {
      const startedAt = Date.now()
      new Gauge({
        name: 'tandem_log_flush_age_seconds',
        help: 'Seconds since the flush worker last made the database log durable: in crash-safe mode what a power cut now would lose; alert well above FLUSH_INTERVAL_MS',
        registers,
        collect() {
          this.set((Date.now() - (logFlush()?.at ?? startedAt)) / 1000)
        },
      })
      new Gauge({
        name: 'tandem_log_flush_duration_seconds',
        help: "How long the flush worker's last fsync and checkpoint took",
        registers,
        collect() {
          this.set((logFlush()?.ms ?? 0) / 1000)
        },
      })
    }
    const logSync = sources.logSync
    if (logSync) {
      mirroredCounter(
        this.registry,
        'tandem_log_syncs_total',
        'fsyncs of the database log that commits waited for (power-safe mode)',
        () => logSync.stats.syncs,
      )
      mirroredCounter(
        this.registry,
        'tandem_log_synced_commits_total',
        'Commits made durable by those fsyncs; above tandem_log_syncs_total when commits shared one',
        () => logSync.stats.commits,
      )
      new Gauge({
        name: 'tandem_log_sync_duration_seconds',
        help: 'How long the last fsync that commits waited for took (power-safe mode)',
        registers,
        collect() {
          this.set(logSync.stats.lastMs / 1000)
        },
      })
    }
    const cluster = sources.cluster
    if (cluster) {
      new Gauge({
        name: 'tandem_cluster_ready',
        help: '1 while this node hears the other nodes of its cluster through Redis; 0 while degraded',
        registers,
        collect() {
          this.set(cluster.ready ? 1 : 0)
        },
      })
      const counts: Array<[string, string, () => number]> = [
        ['tandem_cluster_published_total', 'Messages this node published to the other nodes', () => cluster.counters.bus.published],
        ['tandem_cluster_received_total', 'Messages received from the other nodes', () => cluster.counters.bus.received],
        [
          'tandem_cluster_dropped_total',
          'Cluster messages dropped: malformed, too large, or for a room this node does not hold',
          () => cluster.counters.bus.dropped,
        ],
        [
          'tandem_cluster_publish_failed_total',
          'Publishes that could not go out (Redis down); the others read those rows from storage',
          () => cluster.counters.bus.publishFailed,
        ],
        ['tandem_cluster_updates_applied_total', "Other nodes' document updates applied from Redis", () => cluster.counters.rooms.applied],
        [
          'tandem_cluster_reconciliations_total',
          'Reads of missed document updates from storage (a lost or too large message, Redis back after an outage)',
          () => cluster.counters.rooms.reconciled,
        ],
        [
          'tandem_cluster_rows_fetched_total',
          'Log rows read from storage by those reconciliations',
          () => cluster.counters.rooms.rowsFetched,
        ],
        [
          'tandem_cluster_reloads_total',
          'Whole documents read again because the rows missed had been compacted meanwhile',
          () => cluster.counters.rooms.reloads,
        ],
      ]
      for (const [name, help, read] of counts) mirroredCounter(this.registry, name, help, read)
    }
    const mirrors = () => sources.mirrors?.counters ?? { seeded: 0, encoded: 0, lost: 0 }
    new Gauge({
      name: 'tandem_document_mirrors',
      help: 'Large documents mirrored in the encoding worker',
      registers,
      collect() {
        this.set(sources.mirrors?.size ?? 0)
      },
    })
    mirroredCounter(
      this.registry,
      'tandem_mirror_encodings_total',
      'Sync answers and snapshots of large documents encoded in the mirror worker',
      () => mirrors().encoded,
    )
    mirroredCounter(
      this.registry,
      'tandem_mirrors_lost_total',
      'Document mirrors lost to a failed catch-up or a failed worker (reseeded with one main-thread encoding)',
      () => mirrors().lost,
    )
    this.updatesPersisted = new Counter({ name: 'tandem_updates_persisted_total', help: 'Document updates written to storage', registers })
    this.persistSeconds = new Histogram({
      name: 'tandem_persist_duration_seconds',
      help: 'Time to write one batch of document updates',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    })
    this.rejected = new Counter({
      name: 'tandem_connections_rejected_total',
      help: 'Connections refused or cut off, by reason',
      labelNames: ['reason'],
      registers,
    })
    this.droppedReadOnlyUpdates = new Counter({
      name: 'tandem_readonly_updates_dropped_total',
      help: 'Updates from read-only connections that were dropped',
      registers,
    })
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }

  /** The admin console's headline numbers (`GET /api/admin/stats`), read from the same metrics. */
  async headline(): Promise<AdminStats> {
    const samples = (await this.registry.getMetricsAsJSON()).flatMap((metric) =>
      metric.values.map((sample) => ({
        name: (sample as { metricName?: string }).metricName ?? metric.name,
        labels: sample.labels,
        value: sample.value,
      })),
    )
    const value = (name: string, labels: Record<string, string> = {}): number =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))
        ?.value ?? 0
    const persistCount = value('tandem_persist_duration_seconds_count')
    const refusedByReason = samples
      .filter((sample) => sample.name === 'tandem_connections_rejected_total' && sample.value > 0)
      .map((sample) => ({ reason: String(sample.labels.reason ?? 'unknown'), count: sample.value }))
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
}
