/**
 * `/api/admin/*`: the administrator's API, every route behind the admin bearer token. Room table,
 * room detail with its connections, delete, export, announcements on `broadcast`, and token minting.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import {
  adminNodesSchema,
  adminRoomDetailSchema,
  adminRoomPageSchema,
  adminRoomsQuerySchema,
  adminStatsHistorySchema,
  adminStatsSchema,
  broadcastBodySchema,
  type ClusterNode,
  EXPORT_FORMATS,
  mintedTokenSchema,
  mintTokenBodySchema,
  publishedSchema,
  roomNameSchema,
} from '@tandem/protocol'
import { createMiddleware } from 'hono/factory'
import { z } from 'zod'

import { requireBearer } from '../auth/bearer.js'
import { mintToken } from '../auth/tokens.js'
import { HttpError } from '../errors.js'
import { ADMIN_SECURITY, apiRouter, errors, json } from '../http/api-router.js'
import type { AppEnv } from '../http/app-env.js'
import type { AuditTrail } from '../http/audit-trail.js'
import type { ServerMetrics } from '../metrics/server-metrics.js'
import type { StatsHistory } from '../metrics/stats-history.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { readCurrentDocument } from '../rooms/current-document.js'
import { ADMIN_ACTOR, deleteRoom } from '../rooms/delete-room.js'
import { type ConnectionsElsewhere, roomRows } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { SqliteBackup } from '../storage/sqlite-backup.js'
import { adminConnections, pageRooms } from './admin-rooms.js'
import { backupDownload } from './backup-download.js'

/** What the admin API needs. */
export interface AdminRouteDeps {
  adminToken: string | null
  authSecret: string | null
  registry: RoomRegistry
  store: DocumentStore
  hub: NotificationHub
  /** The server's metrics, for the console's headline numbers. */
  metrics: Pick<ServerMetrics, 'headline'>
  /** The same numbers sampled over the last hour, for the console's charts. */
  statsHistory: Pick<StatsHistory, 'history'>
  /** The live nodes of the cluster (this one alone without one). */
  nodes: () => Promise<ClusterNode[]>
  /** On a cluster: connections on the other nodes, so counts are cluster-wide. */
  elsewhere?: ConnectionsElsewhere
  /** Copies of the SQLite database for `GET /backup`; absent when the data is in PostgreSQL. */
  backup?: SqliteBackup
  /** Records what the administrator did (never a secret). */
  trail: AuditTrail
}

const roomParams = z.object({ room: roomNameSchema })
const admin = { tags: ['Admin'], security: ADMIN_SECURITY }

const listRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/rooms',
  summary: 'Room table',
  description: 'Stored and live rooms, filtered by `prefix` or `q`, sorted and paged.',
  request: { query: adminRoomsQuerySchema },
  responses: { 200: json(adminRoomPageSchema, 'One page'), ...errors(400, 401) },
})

const detailRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/rooms/{room}',
  summary: 'A room with its open connections',
  request: { params: roomParams },
  responses: { 200: json(adminRoomDetailSchema, 'The room'), ...errors(400, 401, 404) },
})

const deleteRoute = createRoute({
  ...admin,
  method: 'delete',
  path: '/rooms/{room}',
  summary: 'Delete a room',
  description:
    'Disconnects everyone in it (they see it was deleted by an administrator), moves it to the trash with its versions and images, and publishes `{ "type": "deleted" }` on `room:<name>`. Restore it from `/api/admin/trash` until `TRASH_RETENTION` has passed.',
  request: { params: roomParams },
  responses: { 200: json(z.object({ deleted: z.string() }), 'Deleted'), ...errors(400, 401, 404) },
})

const exportRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/rooms/{room}/export',
  summary: 'Download a document',
  request: {
    params: roomParams,
    query: z.object({
      format: z
        .enum(EXPORT_FORMATS)
        .default('json')
        .meta({ description: '`json` is the ProseMirror document; the others read as they say' }),
    }),
  },
  responses: {
    200: {
      description: 'The document, as an attachment',
      content: {
        'application/json': { schema: z.unknown() },
        'text/html': { schema: z.string() },
        'text/markdown': { schema: z.string() },
        'text/plain': { schema: z.string() },
      },
    },
    ...errors(400, 401, 404),
  },
})

const statsRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/stats',
  summary: 'Headline numbers',
  description: "The console's numbers, read from the metrics `/metrics` exports for Prometheus.",
  responses: { 200: json(adminStatsSchema, 'Counts since the server started'), ...errors(401) },
})

const statsHistoryRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/stats/history',
  summary: 'The last hour of numbers',
  description: [
    'Connections, edits and notifications per second, persist latency p99 and refused connections, sampled every',
    '`intervalMs` (`STATS_SAMPLE_MS`, 10 s) and kept for 360 samples, oldest first. The last sample covers the time',
    'since half an interval or more before the request up to the request, so the newest point is current.',
  ].join(' '),
  responses: { 200: json(adminStatsHistorySchema, 'Samples, oldest first'), ...errors(401) },
})

const nodesRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/nodes',
  summary: 'Live nodes of the cluster',
  description:
    'Every node that beat in the last 10 s (a single node lists itself): id, address, connections, rooms, uptime, last heartbeat. 503 while this node cannot reach Redis.',
  responses: { 200: json(adminNodesSchema, 'The live nodes'), ...errors(401, 503) },
})

const backupRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/backup',
  summary: 'Download a backup of the database',
  description: [
    'A consistent copy of the SQLite database, taken while clients keep editing (every change committed before',
    'the request is in it), as the attachment `tandem-<time>.sqlite`: to restore, stop the server and put it in',
    'place of `DATA_DIR/tandem.db`. One at a time: 409 `backup_in_progress` while another is made or downloaded.',
    'On PostgreSQL (`DATABASE_URL`) 409 `backup_unsupported`: use `pg_dump`.',
  ].join(' '),
  responses: {
    200: { description: 'The database file', content: { 'application/vnd.sqlite3': { schema: z.string().meta({ format: 'binary' }) } } },
    ...errors(401, 409),
  },
})

const broadcastRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/broadcast',
  summary: 'Announce to everyone',
  description: 'Publishes `{ "type": "announcement", "from": "admin", ... }` on `broadcast`, which every browser shows.',
  request: { body: { required: true, content: { 'application/json': { schema: broadcastBodySchema } } } },
  responses: { 200: json(publishedSchema.pick({ ids: true }), 'Published'), ...errors(400, 401, 415) },
})

const tokenRoute = (authSecret: string | null) =>
  createRoute({
    ...admin,
    method: 'post',
    path: '/tokens',
    summary: 'Mint a user token',
    description: 'For secure mode (`AUTH_SECRET`): a signed token naming the user and what they may open.',
    // Before the body is read: without secure mode no body could succeed.
    middleware: [
      createMiddleware<AppEnv>(async (_c, next) => {
        if (!authSecret) throw new HttpError(409, 'secure_mode_off', 'tokens need secure mode: set AUTH_SECRET on the server')
        await next()
      }),
    ] as const,
    request: { body: { required: true, content: { 'application/json': { schema: mintTokenBodySchema } } } },
    responses: { 200: json(mintedTokenSchema, 'The token'), ...errors(400, 401, 409, 415) },
  })

/** The admin routes, mounted at `/api/admin`. */
export function adminRoutes(deps: AdminRouteDeps): OpenAPIHono<AppEnv> {
  const app = apiRouter()
  app.use(
    '*',
    requireBearer(() => (deps.adminToken ? [deps.adminToken] : []), 'the admin API is disabled: no ADMIN_TOKEN'),
  )

  return app
    .openapi(listRoute, async (c) =>
      c.json(pageRooms(await roomRows(deps.store, deps.registry, deps.elsewhere), c.req.valid('query')), 200),
    )
    .openapi(detailRoute, async (c) => {
      const { room: name } = c.req.valid('param')
      const room = (await roomRows(deps.store, deps.registry, deps.elsewhere)).find((r) => r.name === name)
      if (!room) throw new HttpError(404, 'not_found', `no room ${name}`)
      return c.json({ ...room, connectionsList: adminConnections(deps.registry, name) }, 200)
    })
    .openapi(deleteRoute, async (c) => {
      const { room: name } = c.req.valid('param')
      if (!(await deleteRoom(deps, name, ADMIN_ACTOR))) throw new HttpError(404, 'not_found', `no room ${name}`)
      await deps.trail(c, { actor: ADMIN_ACTOR, action: 'room.delete', target: name })
      return c.json({ deleted: name }, 200)
    })
    .openapi(exportRoute, async (c) => {
      const { room: name } = c.req.valid('param')
      const { format } = c.req.valid('query')
      // Loaded on the first export: the document package (ProseMirror, markdown-it) stays out of start-up.
      const { exportDocument } = await import('../rooms/document-export.js')
      const exported = await readCurrentDocument(deps.registry, deps.store, name, (doc) => exportDocument(doc, format, name))
      if (!exported) throw new HttpError(404, 'not_found', `no room ${name}`)
      const { body, contentType, extension } = exported
      await deps.trail(c, { actor: ADMIN_ACTOR, action: 'room.export', target: name, detail: { format } })
      c.header('Content-Type', contentType)
      c.header('Content-Disposition', `attachment; filename="${name}.${extension}"`)
      return c.body(body, 200)
    })
    .openapi(statsRoute, async (c) => c.json(await deps.metrics.headline(), 200))
    .openapi(statsHistoryRoute, async (c) => c.json(await deps.statsHistory.history(), 200))
    .openapi(nodesRoute, async (c) => {
      let nodes
      try {
        nodes = await deps.nodes()
      } catch {
        throw new HttpError(503, 'cluster_unreachable', 'this node cannot reach Redis to list the nodes of the cluster; retry shortly')
      }
      return c.json({ nodes }, 200)
    })
    .openapi(backupRoute, async (c) => {
      // Hono answers HEAD with the GET handler and drops the body unread: that would hold the one
      // backup slot and a copy of the database on disk until the server restarts.
      if (c.req.method === 'HEAD') throw new HttpError(405, 'method_not_allowed', 'GET the backup; HEAD would make one for nothing')
      const { body, headers } = await backupDownload(deps.backup)
      await deps.trail(c, { actor: ADMIN_ACTOR, action: 'backup', target: null })
      return c.body(body, 200, headers)
    })
    .openapi(broadcastRoute, async (c) => {
      const body = c.req.valid('json')
      const { ids } = await deps.hub.publish(['broadcast'], { type: 'announcement', from: 'admin', ...body })
      await deps.trail(c, { actor: ADMIN_ACTOR, action: 'broadcast', target: 'broadcast', detail: { ids, title: body.title } })
      return c.json({ ids }, 200)
    })
    .openapi(tokenRoute(deps.authSecret), async (c) => {
      const { ttlSeconds, ...claims } = c.req.valid('json')
      const token = await mintToken(claims, deps.authSecret!, ttlSeconds)
      // Who it names and for how long, never the token itself.
      await deps.trail(c, {
        actor: ADMIN_ACTOR,
        action: 'token.mint',
        target: `user:${claims.sub}`,
        detail: { ttlSeconds, rooms: claims.rooms ?? null },
      })
      return c.json({ token, expiresAt: Date.now() + ttlSeconds * 1000 }, 200)
    })
}
