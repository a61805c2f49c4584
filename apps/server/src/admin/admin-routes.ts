/**
 * `/api/admin/*`: the administrator's API, every route behind the admin bearer token. Room table,
 * room detail with its connections, delete, export, announcements on `broadcast`, and token minting.
 */
import { roomNameProblem } from '@tandem/protocol'
import { Hono } from 'hono'
import * as Y from 'yjs'
import { z } from 'zod'

import { requireBearer } from '../auth/bearer.js'
import { mintClaimsSchema, mintToken } from '../auth/tokens.js'
import { HttpError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import { validate } from '../http/validate.js'
import type { ServerMetrics } from '../metrics/server-metrics.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { roomChannel } from '../rooms/room-activity.js'
import { roomRows } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import { adminConnections, pageRooms, ROOM_SORT_KEYS } from './admin-rooms.js'

/** What the admin API needs. */
export interface AdminRouteDeps {
  adminToken: string | null
  authSecret: string | null
  registry: RoomRegistry
  store: DocumentStore
  hub: NotificationHub
  /** The server's metrics, for the console's headline numbers. */
  metrics: Pick<ServerMetrics, 'headline'>
}

const listQuery = z.object({
  prefix: z.string().max(128).optional(),
  q: z.string().max(128).optional(),
  sort: z.enum(ROOM_SORT_KEYS).default('lastActivity'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional(),
})

const broadcastBody = z.strictObject({
  message: z.string().trim().min(1).max(2000),
  title: z.string().trim().min(1).max(200).optional(),
  level: z.enum(['info', 'warning']).default('info'),
})

const tokenBody = mintClaimsSchema
  .extend({
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(3600),
  })
  .strict()

async function jsonBody(request: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await request.json()
  } catch {
    throw new HttpError(400, 'bad_request', 'body is not valid JSON')
  }
}

function roomParam(name: string): string {
  const problem = roomNameProblem(name)
  if (problem) throw new HttpError(400, 'invalid_room_name', problem)
  return name
}

/** The admin routes, mounted at `/api/admin`. */
export function adminRoutes(deps: AdminRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(
    '*',
    requireBearer(() => (deps.adminToken ? [deps.adminToken] : []), 'the admin API is disabled: no ADMIN_TOKEN'),
  )

  app.get('/rooms', async (c) => {
    const query = validate(listQuery, c.req.query())
    return c.json(pageRooms(await roomRows(deps.store, deps.registry), query))
  })

  app.get('/rooms/:room', async (c) => {
    const name = roomParam(c.req.param('room'))
    const room = (await roomRows(deps.store, deps.registry)).find((r) => r.name === name)
    if (!room) throw new HttpError(404, 'not_found', `no room ${name}`)
    return c.json({ ...room, connectionsList: adminConnections(deps.registry, name) })
  })

  app.delete('/rooms/:room', async (c) => {
    const name = roomParam(c.req.param('room'))
    const wasLive = deps.registry.get(name) !== undefined
    const stored = await deps.registry.delete(name)
    if (!stored && !wasLive) throw new HttpError(404, 'not_found', `no room ${name}`)
    await deps.hub.publish([roomChannel(name)], { type: 'deleted', room: name })
    return c.json({ deleted: name })
  })

  app.get('/rooms/:room/export', async (c) => {
    const name = roomParam(c.req.param('room'))
    const format = validate(z.enum(['json', 'html', 'markdown', 'text']).default('json'), c.req.query('format'))
    let doc = deps.registry.get(name)?.doc
    if (!doc) {
      const stored = await deps.store.load(name)
      if (!stored) throw new HttpError(404, 'not_found', `no room ${name}`)
      doc = new Y.Doc()
      const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
      if (parts.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(parts))
    }
    // Loaded on the first export: the document package (ProseMirror, markdown-it) stays out of start-up.
    const { exportDocument } = await import('./document-export.js')
    const { body, contentType, extension } = exportDocument(doc, format, name)
    c.header('Content-Type', contentType)
    c.header('Content-Disposition', `attachment; filename="${name}.${extension}"`)
    return c.body(body)
  })

  app.get('/stats', async (c) => c.json(await deps.metrics.headline()))

  app.post('/broadcast', async (c) => {
    const body = validate(broadcastBody, await jsonBody(c.req))
    const { ids } = await deps.hub.publish(['broadcast'], { type: 'announcement', from: 'admin', ...body })
    return c.json({ ids })
  })

  app.post('/tokens', async (c) => {
    if (!deps.authSecret) throw new HttpError(409, 'secure_mode_off', 'tokens need secure mode: set AUTH_SECRET on the server')
    const { ttlSeconds, ...claims } = validate(tokenBody, await jsonBody(c.req))
    const token = await mintToken(claims, deps.authSecret, ttlSeconds)
    return c.json({ token, expiresAt: Date.now() + ttlSeconds * 1000 })
  })

  return app
}
