/**
 * Composes a running Tandem server: the Hono app on a Node HTTP server, WebSocket upgrades routed by
 * path, the room registry over a document store, and the notification hub over a message store.
 * Tests start it on port 0; `main.ts` starts it from the environment.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'

import { createAdaptorServer } from '@hono/node-server'

import { ConnectionLimits } from './admission/connection-limits.js'
import { guardHttpServer, httpServerOptions } from './admission/http-server-guard.js'
import { UpgradeListener } from './admission/upgrade-listener.js'
import { createApp } from './app.js'
import { AccessPolicy } from './auth/access-policy.js'
import { HostPolicy } from './auth/host-policy.js'
import type { Identity } from './auth/identity.js'
import { UpgradeGuard } from './auth/upgrade-guard.js'
import { WebhookAuthorizer } from './auth/webhook-authorizer.js'
import { Cluster } from './cluster/cluster.js'
import { clusterPrefix } from './cluster/cluster-prefix.js'
import type { ClusterLog } from './cluster/cluster-rooms.js'
import type { NodeReport } from './cluster/node-directory.js'
import { CloseRefusal } from './collab/close-refusal.js'
import { CollabEndpoint } from './collab/collab-endpoint.js'
import { AuthorAttribution } from './comments/author-attribution.js'
import { CommentGuard } from './comments/comment-guard.js'
import { CommentNotifier } from './comments/comment-notifier.js'
import type { Config } from './config.js'
import type { Logger } from './logger.js'
import { type RejectionReason, ServerMetrics, TrafficCounters } from './metrics/server-metrics.js'
import { StatsHistory } from './metrics/stats-history.js'
import { NotificationHub } from './notifications/notification-hub.js'
import { RedisBridge } from './notifications/redis-bridge.js'
import { retentionResolver, ROOM_EVENT_RETENTION } from './notifications/retention.js'
import { storedDocument } from './rooms/current-document.js'
import { DocumentMirrors } from './rooms/document-mirrors.js'
import { EncodeBudget } from './rooms/encode-budget.js'
import { IntegrationProbe } from './rooms/integration-probe.js'
import { RoomActivityPublisher } from './rooms/room-activity.js'
import { presentUsers } from './rooms/room-directory.js'
import { RoomQuota } from './rooms/room-quota.js'
import { RoomRegistry } from './rooms/room-registry.js'
import { SearchIndexer } from './rooms/search-indexer.js'
import { TrashKeeper } from './rooms/trash-keeper.js'
import { EventsEndpoint } from './sockets/events-endpoint.js'
import type { AuditLog } from './storage/audit-log.js'
import type { DocumentStore } from './storage/document-store.js'
import type { ImageStore } from './storage/image-store.js'
import type { LogSync } from './storage/log-sync.js'
import type { MessageStore } from './storage/message-store.js'
import type { SearchIndex } from './storage/search-index.js'
import type { SqliteBackup } from './storage/sqlite-backup.js'
import type { VersionStore } from './storage/version-store.js'
import type { WalFlusher } from './storage/wal-flusher.js'
import { VersionKeeper } from './versions/version-keeper.js'

/** What a server runs on. The caller owns the stores and closes them after {@link TandemServer.close}. */
export interface ServerDeps {
  store: DocumentStore
  messages: MessageStore
  /** Versions of the documents, in the same storage as `store`. */
  versions: VersionStore
  /** Where document titles and text are indexed for search (beside the document store). */
  search: SearchIndex
  /** Images of documents (beside the document store). */
  images: ImageStore
  /** What administrators did (beside the document store). */
  audit: AuditLog
  logger: Logger
  /** The log's flush worker, for the metrics. */
  flusher?: Pick<WalFlusher, 'lastFlush'>
  /** Power-safe mode's fsyncs that commits wait for, for the metrics. */
  logSync?: Pick<LogSync, 'stats'>
  /** Whether the document store answers (a database server), for `/api/ready`. */
  storageReachable?: () => Promise<boolean>
  /** Copies of the SQLite database for `GET /api/admin/backup`; absent when the data is not in a SQLite file. */
  backup?: SqliteBackup
  /**
   * The shared store, read by a node of a cluster (`config.clusterName` set): the document log
   * other nodes write, and the last channel message id any node committed.
   */
  shared?: { log: ClusterLog; lastMessageId(): Promise<number> }
}

/** A listening server. */
export interface TandemServer {
  /** `http://host:port` it listens on. */
  url: string
  port: number
  registry: RoomRegistry
  hub: NotificationHub
  /** The Redis bridge, when `REDIS_URL` is set. */
  bridge: RedisBridge | null
  /** This node's membership of a cluster, when `DATABASE_URL` and `REDIS_URL` are both set. */
  cluster: Cluster | null
  /** Per-address and admission limits, with what they hold now. */
  limits: ConnectionLimits
  /** TCP connections a client address holds now (0 when `TRUST_PROXY` turns that limit off). */
  socketsOf(address: string): number
  /** Keep serving, but answer `/api/ready` with 503 (`draining`), so load balancers send new clients elsewhere. */
  drain(): void
  /** Stop accepting, close document sockets with ServiceRestart (1012), flush and compact rooms. Idempotent. */
  close(): Promise<void>
}

const PRUNE_INTERVAL_MS = 60_000
/** Rooms a node's heartbeat report lists with their connections (the busiest), and people per room. */
const MAX_REPORTED_ROOMS = 2_000
const MAX_REPORTED_USERS = 20

/**
 * Start listening on `config.host:config.port`.
 * @example
 * const server = await startServer({ ...config, port: 0 }, { store, messages, logger })
 * const ws = new WebSocket(`${server.url.replace('http', 'ws')}/collab/my-room`)
 */
export async function startServer(config: Config, deps: ServerDeps): Promise<TandemServer> {
  const { store, messages, logger } = deps
  const startedAt = Date.now()
  let draining = false
  const traffic = new TrafficCounters()
  const cluster =
    config.clusterName && config.redisUrl && deps.shared
      ? new Cluster({
          redisUrl: config.redisUrl,
          prefix: clusterPrefix(config.clusterName),
          nodeId: config.nodeId,
          logger,
          log: deps.shared.log,
          lastMessageId: () => deps.shared!.lastMessageId(),
          maxMessageBytes: Math.max(config.maxFrameBytes, 1024 * 1024) + 4096,
        })
      : null
  const hub = new NotificationHub({
    store: messages,
    logger,
    retentionFor: retentionResolver(config.retention, { 'room:*': ROOM_EVENT_RETENTION, ...config.channelRetention }),
    ...(cluster ? { cluster: cluster.hubCluster } : {}),
  })
  const activity = new RoomActivityPublisher(hub, logger, config.roomActivityThrottleMs)
  const comments = new CommentNotifier({ hub, logger })
  const authorship = new AuthorAttribution(logger)
  const commentGuard = new CommentGuard(logger)
  const keeper = new VersionKeeper({ store: deps.versions, logger, idleMs: config.versionIdleMs, maxNamed: config.maxNamedVersions })
  const indexer = new SearchIndexer({ index: deps.search, logger, delayMs: config.searchIndexDelayMs })
  const encodeBudget = new EncodeBudget()
  const probe = new IntegrationProbe({ maxIntegrationMs: config.maxIntegrationMs, encodeBudget, logger })
  const mirrors = new DocumentMirrors({ encodeBudget, logger })
  const registry = new RoomRegistry({
    store,
    logger,
    probe,
    mirrors,
    encodeBudget,
    idleMs: config.roomIdleMs,
    compactMaxRows: config.compactMaxRows,
    compactMaxBytes: config.compactMaxBytes,
    onJoin: (room) => {
      activity.joined(room)
      commentGuard.watch(room)
      comments.watch(room)
      authorship.watch(room)
    },
    onLeave: (room) => activity.left(room),
    onDocumentChange: (room, author) => {
      activity.changed(room)
      keeper.changed(room, author)
      indexer.changed(room)
    },
    onRetire: async (room) => {
      await Promise.all([keeper.retiring(room), indexer.retiring(room)])
    },
    onPresenceChange: (room) => activity.presenceChanged(room),
    awarenessLimits: {
      maxEntries: config.maxAwarenessEntries,
      maxStateBytes: config.maxAwarenessStateBytes,
      maxIdsPerConnection: config.maxAwarenessIdsPerConnection,
      maxIdsPerRoom: config.maxAwarenessIdsPerRoom,
    },
    maxPendingUpdateBytes: config.maxPendingUpdateBytes,
    maxUpdateStructs: config.maxUpdateStructs,
    maxDocumentBytes: config.maxDocumentBytes,
    onDocumentFull: () => metrics.rejected.inc({ reason: 'document_full' }),
    maxApplyMsPerMinute: config.maxApplyMsPerMinute,
    onDroppedUpdate: (room, peer) => {
      metrics.droppedReadOnlyUpdates.inc()
      logger.debug({ room: room.name, conn: peer.id }, 'dropped an update from a read-only connection')
    },
    onBatchWritten: (updates, seconds) => {
      metrics.updatesPersisted.inc(updates)
      metrics.persistSeconds.observe(seconds)
    },
    ...(cluster
      ? {
          replication: cluster.rooms,
          onAwarenessChange: (room, update, owner) => cluster.rooms.awarenessChanged(room, update, owner),
        }
      : {}),
  })
  const quota = new RoomQuota(store, config.maxRooms, () => registry.unstoredCount())
  const trashKeeper = new TrashKeeper({
    store,
    audit: deps.audit,
    trashRetentionMs: config.trashRetentionMs,
    auditRetentionMs: config.auditRetentionMs,
    logger,
  })
  trashKeeper.start()
  // Documents stored before search existed (or copied in without their index, or restored from the
  // trash after a copy) are indexed in the background, between other work.
  let indexing: Promise<void> | null = null
  let indexAgain = false
  const indexMissing = (): void => {
    // One pass at a time; a call during one asks for another after it.
    if (indexing) {
      indexAgain = true
      return
    }
    indexing = indexer
      .backfill((name) => storedDocument(store, name))
      .then(
        () => undefined,
        (error: unknown) => {
          logger.warn({ err: error }, 'indexing documents the search index lacks stopped; they are indexed when next changed')
        },
      )
      .finally(() => {
        indexing = null
        if (indexAgain) {
          indexAgain = false
          indexMissing()
        }
      })
  }
  indexMissing()

  const webhook = config.authWebhookUrl
    ? new WebhookAuthorizer({
        url: config.authWebhookUrl,
        timeoutMs: config.authWebhookTimeoutMs,
        cacheMs: config.authWebhookCacheMs,
        maxQuestionsPerMinute: config.authWebhookMaxPerMinute,
        logger,
      })
    : null
  // DNS rebinding only matters where requests carry authority by themselves: always in open mode; in
  // secure mode every request needs a token a rebinding page cannot read, so names are only checked
  // when the operator listed them.
  const hosts = new HostPolicy({
    enforce: !config.authSecret || config.allowedHosts !== null || config.publicUrl !== null,
    allowedHosts: config.allowedHosts,
    publicUrl: config.publicUrl,
  })
  const guard = new UpgradeGuard(new AccessPolicy({ secret: config.authSecret, webhook }), {
    allowedOrigins: config.allowedOrigins,
    hosts,
    publicOrigin: config.publicUrl ? new URL(config.publicUrl).origin : null,
  })
  const limits = new ConnectionLimits({
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxPendingUpgrades: config.maxPendingUpgrades,
    maxNewRoomsPerMinute: config.maxNewRoomsPerMinute,
    maxUploadsPerMinute: config.maxUploadsPerMinute,
  })
  const countRefusal = (reason: RejectionReason): void => metrics.rejected.inc({ reason })
  const maySubscribe = (identity: Identity, channel: string): Promise<boolean> => guard.maySubscribe(identity, channel)
  const collab = new CollabEndpoint({
    registry,
    logger,
    maxFrameBytes: config.maxFrameBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    pingIntervalMs: config.pingIntervalMs,
    channels: { hub, maxSubscriptions: config.maxSubscriptions, maySubscribe },
    traffic,
    onSlowConsumer: () => metrics.rejected.inc({ reason: 'slow_consumer' }),
    inbound: {
      messagesPerSecond: config.maxMessagesPerSecond,
      bytesPerSecond: config.maxInboundBytesPerSecond,
      rejectedPerMinute: config.maxRejectedMessages,
    },
    onRateLimited: () => metrics.rejected.inc({ reason: 'rate_limited' }),
  })
  const events = new EventsEndpoint({
    hub,
    logger,
    maxSubscriptions: config.maxSubscriptions,
    maxEventBufferBytes: config.maxEventBufferBytes,
    pingIntervalMs: config.pingIntervalMs,
    inbound: {
      messagesPerSecond: config.maxMessagesPerSecond,
      bytesPerSecond: config.maxInboundBytesPerSecond,
      rejectedPerMinute: config.maxRejectedMessages,
    },
    onRateLimited: () => metrics.rejected.inc({ reason: 'rate_limited' }),
    maySubscribe,
    traffic,
    onSlowConsumer: () => metrics.rejected.inc({ reason: 'slow_consumer' }),
  })
  const metrics = new ServerMetrics({
    documentConnections: () => registry.connectionCount,
    eventConnections: () => events.socketCount,
    roomsLoaded: () => registry.size,
    traffic,
    hub: hub.counters,
    // Read at scrape time, by when `bridge` below exists.
    redisBridge: () => bridge?.counters ?? null,
    integration: probe.counters,
    mirrors,
    ...(deps.flusher ? { logFlush: () => deps.flusher!.lastFlush } : {}),
    ...(deps.logSync ? { logSync: deps.logSync } : {}),
    ...(cluster
      ? {
          cluster: {
            get ready() {
              return cluster.state === 'ready'
            },
            counters: cluster.counters,
          },
        }
      : {}),
  })
  const bridge = config.redisUrl
    ? new RedisBridge({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        hub,
        logger,
        maxPayloadBytes: config.maxPublishBytes,
        maxPayloadDepth: config.maxPublishDepth,
        // Every node of a cluster hears each PUBLISH; the lease holder stores it.
        ...(cluster ? { republishes: () => cluster.isBridgeLeader } : {}),
      })
    : null
  const pruner = setInterval(() => {
    hub.pruneAll().catch((error: unknown) => logger.error({ err: error }, 'pruning channel history failed'))
  }, PRUNE_INTERVAL_MS)
  pruner.unref()
  // After `bridge`: its first reading reads every metric, the bridge's counters among them.
  const statsHistory = new StatsHistory(metrics, { intervalMs: config.statsSampleMs, logger })
  statsHistory.start()

  const app = createApp({
    config,
    registry,
    store,
    versions: deps.versions,
    search: deps.search,
    images: deps.images,
    audit: deps.audit,
    quota,
    onRestored: indexMissing,
    keeper,
    hub,
    bridge,
    guard,
    limits,
    metrics,
    statsHistory,
    logger,
    startedAt,
    cluster,
    draining: () => draining,
    ...(deps.storageReachable ? { storageReachable: deps.storageReachable } : {}),
    ...(deps.backup ? { backup: deps.backup } : {}),
  })
  const httpServer = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: httpServerOptions({ headersTimeoutMs: config.httpHeadersTimeoutMs, requestTimeoutMs: config.httpRequestTimeoutMs }),
  }) as Server
  const upgrades = new UpgradeListener({
    guard,
    limits,
    registry,
    store,
    quota,
    collab,
    events,
    logger,
    trustProxy: config.trustProxy,
    onRefused: countRefusal,
    // As many refusals may be closing at once as upgrades may await admission.
    refusal: new CloseRefusal({ maxInFlight: config.maxPendingUpgrades }),
  })
  httpServer.on('upgrade', upgrades.handle)

  // Before the first client: a node of a cluster dispatches the others' messages from here on.
  await hub.startFollowing()
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const sockets = guardHttpServer(httpServer, {
    logger,
    maxSocketsPerAddress: config.trustProxy ? null : config.maxSocketsPerAddress,
    onRefused: countRefusal,
  })
  // The bridge retries in the background; the server serves whether or not Redis is there.
  bridge?.start().catch((error: unknown) => logger.warn({ err: error }, 'Redis bridge could not connect yet; retrying'))
  const { port } = httpServer.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  // Each node's own address in the cluster's node list (PUBLIC_URL is the same for all of them).
  const nodeAddress = ['0.0.0.0', '::', ''].includes(config.host) ? `http://${hostname()}:${port}` : url
  // Announced once it listens, with its address (clients that come first are served all the same).
  await cluster?.start({
    registry,
    hub,
    report: () => {
      // Written to Redis every heartbeat: bounded, the busiest rooms first, a few people each.
      const busiest = [...registry.loaded()]
        .filter((room) => room.peerCount > 0)
        .sort((a, b) => b.peerCount - a.peerCount)
        .slice(0, MAX_REPORTED_ROOMS)
      const roomConnections: NodeReport['roomConnections'] = {}
      for (const room of busiest) {
        roomConnections[room.name] = { connections: room.peerCount, users: presentUsers(room).users.slice(0, MAX_REPORTED_USERS) }
      }
      return { address: nodeAddress, startedAt, connections: registry.connectionCount, rooms: registry.size, roomConnections }
    },
  })

  let closing: Promise<void> | null = null
  return {
    url,
    port,
    registry,
    hub,
    bridge,
    cluster,
    limits,
    socketsOf: (address) => sockets.socketsOf(address),
    drain() {
      draining = true
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
        clearInterval(pruner)
        statsHistory.stop()
        upgrades.close()
        events.close()
        await registry.shutdown()
        keeper.close()
        indexer.close()
        await trashKeeper.close()
        await probe.close()
        await mirrors.close()
        collab.close()
        activity.close()
        await bridge?.close()
        // After the rooms' last writes went out to the others: then this node says goodbye.
        await cluster?.close()
        httpServer.closeAllConnections()
        await stopped
      })()
      return closing
    },
  }
}
