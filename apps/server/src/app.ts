/**
 * The HTTP side of the server as a Hono app. Built from its dependencies with no I/O at import
 * time, so route tests call `app.request()` directly.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { apiErrorSchema, type ClusterNode, roomNameSchema } from '@tandem/protocol'
import { z } from 'zod'

import { adminOperationsRoutes } from './admin/admin-operations-routes.js'
import { adminRoutes } from './admin/admin-routes.js'
import type { ConnectionLimits } from './admission/connection-limits.js'
import { requireBearer } from './auth/bearer.js'
import type { UpgradeGuard } from './auth/upgrade-guard.js'
import type { Cluster } from './cluster/cluster.js'
import type { Config } from './config.js'
import { mountApiDocs } from './http/api-docs-routes.js'
import { ADMIN_SECURITY, errors, json } from './http/api-router.js'
import type { AppEnv } from './http/app-env.js'
import { auditTrail } from './http/audit-trail.js'
import { channelHistoryRoute } from './http/channel-history-route.js'
import { handleHttpError } from './http/error-handler.js'
import { eventsSseRoute } from './http/events-sse-route.js'
import { exportRoomRoute } from './http/export-route.js'
import { healthRoute } from './http/health-route.js'
import { imagesRoute } from './http/images-route.js'
import { publishRoute } from './http/publish-route.js'
import { readyRoute } from './http/ready-route.js'
import { requireAllowedHost } from './http/require-allowed-host.js'
import { roomsRoute } from './http/rooms-route.js'
import { versionsRoute } from './http/versions-route.js'
import { webAppRoutes } from './http/web-app-routes.js'
import type { Logger } from './logger.js'
import type { ServerMetrics } from './metrics/server-metrics.js'
import type { StatsHistory } from './metrics/stats-history.js'
import type { NotificationHub } from './notifications/notification-hub.js'
import type { RedisBridge } from './notifications/redis-bridge.js'
import type { RoomQuota } from './rooms/room-quota.js'
import type { RoomRegistry } from './rooms/room-registry.js'
import type { AuditLog } from './storage/audit-log.js'
import type { DocumentStore } from './storage/document-store.js'
import type { ImageStore } from './storage/image-store.js'
import type { SearchIndex } from './storage/search-index.js'
import type { SqliteBackup } from './storage/sqlite-backup.js'
import type { VersionStore } from './storage/version-store.js'
import type { VersionKeeper } from './versions/version-keeper.js'

/** The version the API description states. */
const SERVER_VERSION = '0.1.0'

const metricsRoute = (adminToken: string | null) =>
  createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['Server'],
    summary: 'Prometheus metrics',
    security: ADMIN_SECURITY,
    middleware: [requireBearer(() => (adminToken ? [adminToken] : []), 'metrics need the admin token: no ADMIN_TOKEN')] as const,
    responses: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      ...errors(401),
    },
  })

/** Described only: the upgrade is taken over by the Node server before Hono sees it; a plain GET is answered 426 below. */
const collabRoute = createRoute({
  method: 'get',
  path: '/collab/{room}',
  tags: ['Rooms'],
  summary: 'Edit a document (WebSocket)',
  description: [
    'Upgrade to a WebSocket speaking the standard y-websocket protocol (sync, awareness, auth), so the stock',
    '`y-websocket` `WebsocketProvider` works unchanged: `new WebsocketProvider("ws://localhost:8787/collab", room, doc)`.',
    'In secure mode pass the token as `?token=`. A refused upgrade is answered as HTTP with the error body.',
  ].join(' '),
  request: { params: z.object({ room: roomNameSchema }) },
  responses: {
    101: { description: 'Switching protocols: the y-websocket session starts' },
    ...errors(400, 401, 403, 429, 503),
    426: json(apiErrorSchema, 'A plain request without the WebSocket upgrade'),
  },
})

/** What {@link createApp} composes. */
export interface AppDeps {
  config: Config
  registry: RoomRegistry
  store: DocumentStore
  versions: VersionStore
  search: SearchIndex
  images: ImageStore
  audit: AuditLog
  /** `MAX_ROOMS`, asked before a document is created. */
  quota: RoomQuota
  /** A document came back from the trash (its search entry may be missing, after a copy between stores). */
  onRestored?: () => void
  keeper: VersionKeeper
  hub: NotificationHub
  bridge: RedisBridge | null
  guard: UpgradeGuard
  /** Per-address and admission limits, shared with the WebSocket upgrades. */
  limits: ConnectionLimits
  metrics: ServerMetrics
  /** The metrics sampled over the last hour, for the console's charts. */
  statsHistory: Pick<StatsHistory, 'history'>
  logger: Logger
  /** When the server started, for `uptimeS`. */
  startedAt: number
  /** This node's membership of a cluster, if any: health, node list, cluster-wide counts. */
  cluster?: Cluster | null
  /** Whether the node is draining before a shutdown (`/api/ready` answers 503). */
  draining?: () => boolean
  /** Whether the document store answers, for `/api/ready`; absent for a store inside this process. */
  storageReachable?: () => Promise<boolean>
  /** Copies of the SQLite database for the admin's backups; absent when the data is not in a SQLite file. */
  backup?: SqliteBackup
}

/**
 * Build the Hono app: API routes, then the web app.
 * @example
 * const app = createApp({ config, registry, store, hub, bridge: null, guard, limits, metrics, logger, startedAt: Date.now() })
 * const response = await app.request('/api/health')
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { config } = deps
  const app = new OpenAPIHono<AppEnv>()
  let warnedAboutHost = false
  app.use(
    requireAllowedHost(deps.guard, (host) => {
      deps.metrics.rejected.inc({ reason: 'host_not_allowed' })
      if (warnedAboutHost) return
      // Once: an attacker's rebinding page is refused the same way as a forgotten PUBLIC_URL.
      warnedAboutHost = true
      deps.logger.warn(
        { host: host.slice(0, 100) },
        "refusing a request for a host this server does not answer to; if it is this server's name, set PUBLIC_URL or ALLOWED_HOSTS",
      )
    }),
  )
  app.route('/api/health', healthRoute(deps))
  app.route('/api/ready', readyRoute(deps))
  const elsewhere = deps.cluster ? { elsewhere: () => deps.cluster!.connectionsElsewhere() } : {}
  const trail = auditTrail({ audit: deps.audit, logger: deps.logger, trustProxy: config.trustProxy })
  app.route(
    '/api/rooms',
    roomsRoute({ ...deps, trail, maxDocumentBytes: config.maxDocumentBytes, trustProxy: config.trustProxy, ...elsewhere }),
  )
  app.route('/api/rooms', versionsRoute(deps))
  app.route('/api/rooms', exportRoomRoute(deps))
  app.route('/api/rooms', imagesRoute({ ...deps, trustProxy: config.trustProxy }))
  app.route(
    '/api/publish',
    publishRoute({
      hub: deps.hub,
      publishKey: config.publishKey,
      adminToken: config.adminToken,
      maxPublishBytes: config.maxPublishBytes,
      maxPublishDepth: config.maxPublishDepth,
    }),
  )
  app.route('/api/channels', channelHistoryRoute(deps))
  app.route(
    '/api/events',
    eventsSseRoute({
      hub: deps.hub,
      logger: deps.logger,
      maxSubscriptions: config.maxSubscriptions,
      maxEventBufferBytes: config.maxEventBufferBytes,
      sseHeartbeatMs: config.sseHeartbeatMs,
      guard: deps.guard,
      limits: deps.limits,
      trustProxy: config.trustProxy,
      onRefused: (reason) => deps.metrics.rejected.inc({ reason }),
    }),
  )
  app.route(
    '/api/admin',
    adminRoutes({
      adminToken: config.adminToken,
      authSecret: config.authSecret,
      registry: deps.registry,
      store: deps.store,
      hub: deps.hub,
      metrics: deps.metrics,
      statsHistory: deps.statsHistory,
      nodes: nodeList(deps),
      trail,
      ...elsewhere,
      ...(deps.backup ? { backup: deps.backup } : {}),
    }),
  )
  app.route(
    '/api/admin',
    adminOperationsRoutes({
      ...deps,
      adminToken: config.adminToken,
      trail,
      trashRetentionMs: config.trashRetentionMs,
      auditRetentionMs: config.auditRetentionMs,
      maxDocumentBytes: config.maxDocumentBytes,
    }),
  )
  app.openapi(metricsRoute(config.adminToken), async (c) => {
    const { body, contentType } = await deps.metrics.scrape()
    return c.text(body, 200, { 'Content-Type': contentType })
  })
  app.openAPIRegistry.registerPath(collabRoute)
  mountApiDocs(app, SERVER_VERSION)
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `no API route ${c.req.method} ${c.req.path}` } }, 404))
  app.all('/collab/*', (c) =>
    c.json({ error: { code: 'upgrade_required', message: 'this endpoint speaks WebSocket (y-websocket protocol)' } }, 426),
  )
  app.route('/', webAppRoutes(config.webDir))
  app.onError(handleHttpError(deps.logger))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `nothing at ${c.req.path}` } }, 404))
  return app
}

/** The live nodes for `GET /api/admin/nodes`: the cluster's, or this one alone. */
function nodeList(deps: AppDeps): () => Promise<ClusterNode[]> {
  return async () => {
    const now = Date.now()
    const cluster = deps.cluster
    const nodes = cluster
      ? await cluster.nodes()
      : [
          {
            id: deps.config.nodeId,
            address: deps.config.publicUrl ?? '',
            connections: deps.registry.connectionCount,
            rooms: deps.registry.size,
            startedAt: deps.startedAt,
            lastHeartbeat: now,
          },
        ]
    return nodes.map(({ id, address, connections, rooms, startedAt, lastHeartbeat }) => ({
      id,
      address,
      connections,
      rooms,
      startedAt,
      lastHeartbeat,
      uptimeS: Math.max(0, Math.floor((now - startedAt) / 1000)),
      self: id === (cluster?.nodeId ?? deps.config.nodeId),
    }))
  }
}
