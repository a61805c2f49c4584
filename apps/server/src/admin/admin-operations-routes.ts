/**
 * `/api/admin/trash`, `/api/admin/audit` and `/api/admin/quotas`: the operator's side of deleting
 * (restore or purge what is in the trash), what administrators did, and how close the server and
 * its documents are to their quotas. Behind the admin bearer token like every admin route.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { adminQuotasSchema, adminTrashSchema, auditPageSchema, auditQuerySchema, roomNameSchema } from '@tandem/protocol'
import { z } from 'zod'

import { requireBearer } from '../auth/bearer.js'
import { HttpError } from '../errors.js'
import { ADMIN_SECURITY, apiRouter, errors, json } from '../http/api-router.js'
import type { AppEnv } from '../http/app-env.js'
import type { AuditTrail } from '../http/audit-trail.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { ADMIN_ACTOR, restoreRoom } from '../rooms/delete-room.js'
import type { RoomQuota } from '../rooms/room-quota.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { AuditLog } from '../storage/audit-log.js'
import type { DocumentStore } from '../storage/document-store.js'

/** What the routes need. */
export interface AdminOperationsDeps {
  adminToken: string | null
  registry: RoomRegistry
  store: DocumentStore
  hub: Pick<NotificationHub, 'publish'>
  audit: AuditLog
  trail: AuditTrail
  quota: Pick<RoomQuota, 'used' | 'maxRooms'>
  trashRetentionMs: number
  auditRetentionMs: number
  maxDocumentBytes: number
  /** Called after a restore. */
  onRestored?: () => void
}

const admin = { tags: ['Admin'], security: ADMIN_SECURITY }
const roomParams = z.object({ room: roomNameSchema })

const trashRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/trash',
  summary: 'Deleted documents',
  description:
    'Documents deleted by an administrator or a writer, kept whole until `TRASH_RETENTION` has passed, most recently deleted first.',
  responses: { 200: json(adminTrashSchema, 'The trash'), ...errors(401) },
})

const restoreRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/trash/{room}/restore',
  summary: 'Restore a deleted document',
  description:
    'Takes the document out of the trash with its content, versions, comments and images as they were; its link opens it again. Publishes `{ "type": "restored" }` on `room:<name>`.',
  request: { params: roomParams },
  responses: { 200: json(z.object({ restored: z.string() }), 'Restored'), ...errors(400, 401, 404) },
})

const purgeRoute = createRoute({
  ...admin,
  method: 'delete',
  path: '/trash/{room}',
  summary: 'Purge a deleted document now',
  description: 'Removes a document in the trash for good, with its versions and images. It cannot be undone.',
  request: { params: roomParams },
  responses: { 200: json(z.object({ purged: z.string() }), 'Purged'), ...errors(400, 401, 404) },
})

const auditRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/audit',
  summary: 'Audit log',
  description:
    'What administrators did (deletes, restores, purges, broadcasts, tokens minted, exports, backups), what writers deleted, and what retention purged: newest first, a page at a time, kept `AUDIT_RETENTION`.',
  request: { query: auditQuerySchema },
  responses: { 200: json(auditPageSchema, 'One page'), ...errors(400, 401) },
})

const quotasRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/quotas',
  summary: 'Quotas and how close the server is to them',
  responses: { 200: json(adminQuotasSchema, 'The quotas'), ...errors(401) },
})

/** The routes, mounted at `/api/admin` beside `adminRoutes`. */
export function adminOperationsRoutes(deps: AdminOperationsDeps): OpenAPIHono<AppEnv> {
  const app = apiRouter()
  app.use(
    '*',
    requireBearer(() => (deps.adminToken ? [deps.adminToken] : []), 'the admin API is disabled: no ADMIN_TOKEN'),
  )
  const purgeAt = (trashedAt: number): number | null => (deps.trashRetentionMs > 0 ? trashedAt + deps.trashRetentionMs : null)

  return app
    .openapi(trashRoute, async (c) => {
      const rooms = (await deps.store.trashList()).map(({ name, bytes, createdAt, updatedAt, trashedAt, trashedBy }) => ({
        name,
        bytes,
        createdAt,
        updatedAt,
        trashedAt,
        trashedBy,
        purgeAt: purgeAt(trashedAt),
      }))
      return c.json({ rooms, retentionMs: deps.trashRetentionMs }, 200)
    })
    .openapi(restoreRoute, async (c) => {
      const { room } = c.req.valid('param')
      if (!(await restoreRoom(deps, room))) throw new HttpError(404, 'not_found', `${room} is not in the trash`)
      deps.onRestored?.()
      await deps.trail(c, { actor: ADMIN_ACTOR, action: 'trash.restore', target: room })
      return c.json({ restored: room }, 200)
    })
    .openapi(purgeRoute, async (c) => {
      const { room } = c.req.valid('param')
      const trashed = await deps.store.trashed(room)
      // Purges only what is in the trash still: a restore racing this one wins.
      if (!trashed || !(await deps.store.purge(room))) throw new HttpError(404, 'not_found', `${room} is not in the trash`)
      await deps.trail(c, {
        actor: ADMIN_ACTOR,
        action: 'trash.purge',
        target: room,
        detail: { trashedAt: trashed.trashedAt, trashedBy: trashed.trashedBy, bytes: trashed.bytes },
      })
      return c.json({ purged: room }, 200)
    })
    .openapi(auditRoute, async (c) => {
      const { limit, cursor, action, q } = c.req.valid('query')
      const entries = await deps.audit.list({
        limit: limit + 1,
        ...(cursor === undefined ? {} : { before: Number(cursor) }),
        ...(action === undefined ? {} : { action }),
        ...(q === undefined || q === '' ? {} : { text: q }),
      })
      const page = entries.slice(0, limit)
      const nextCursor = entries.length > limit ? String(page.at(-1)!.id) : null
      return c.json({ entries: page, nextCursor, retentionMs: deps.auditRetentionMs }, 200)
    })
    .openapi(quotasRoute, async (c) => {
      const [rooms, trashed, stored] = await Promise.all([deps.quota.used(), deps.store.trashList(), deps.store.list()])
      const largest = stored
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 10)
        .map(({ name, bytes }) => ({ name, bytes }))
      return c.json(
        { maxDocumentBytes: deps.maxDocumentBytes, maxRooms: deps.quota.maxRooms, rooms, trashed: trashed.length, largest },
        200,
      )
    })
}
