/**
 * `/api/rooms`: the documents people can open, most recently active first (`GET`), and creating one
 * (`POST`), which stores it at once so it is listed until deleted.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { createdRoomSchema, createRoomBodySchema, roomListQuerySchema, roomListSchema, type RoomSummary } from '@tandem/protocol'

import { clientAddress } from '../admission/client-address.js'
import type { ConnectionLimits } from '../admission/connection-limits.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import { DocumentImporter, ImportBusyError } from '../rooms/document-importer.js'
import { ImportError } from '../rooms/import-error.js'
import { type ConnectionsElsewhere, listRooms } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import { apiRouter, errors, json, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { httpErrorOf, identifyRequest } from './identify-request.js'
import { limitBody } from './limit-body.js'

/** Largest `POST /api/rooms` body: a name, and imported content of at most `MAX_IMPORT_CHARS` characters (or JSON as large). */
const MAX_CREATE_BYTES = 8 * 1024 * 1024

/** What the routes need. */
export interface RoomsRouteDeps {
  store: DocumentStore
  registry: RoomRegistry
  guard: UpgradeGuard
  /** Creating counts against the same per-address allowance of new rooms as opening one. */
  limits: ConnectionLimits
  trustProxy: boolean
  /** On a cluster: connections on the other nodes, so counts are cluster-wide. */
  elsewhere?: ConnectionsElsewhere
}

const listRoute = (deps: RoomsRouteDeps) =>
  createRoute({
    method: 'get',
    path: '/',
    tags: ['Rooms'],
    summary: 'List documents',
    description: "Most recently active first. In secure mode, only the rooms the caller's token lets them read.",
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { query: roomListQuerySchema },
    responses: { 200: json(roomListSchema, 'The rooms'), ...errors(400, 401) },
  })

const createRoomRoute = (deps: RoomsRouteDeps) =>
  createRoute({
    method: 'post',
    path: '/',
    tags: ['Rooms'],
    summary: 'Create a document',
    description:
      'Stores the document at once, so it is listed until deleted: empty, or made from `content` (Markdown, plain text or ProseMirror JSON; 400 `invalid_content` when it is nested too deep or has too many nodes).',
    security: USER_SECURITY,
    middleware: [
      limitBody(MAX_CREATE_BYTES, () => {
        throw new HttpError(413, 'payload_too_large', `body is larger than ${MAX_CREATE_BYTES} bytes`)
      }),
      identifyRequest(deps.guard),
    ] as const,
    request: { body: { required: true, content: { 'application/json': { schema: createRoomBodySchema } } } },
    responses: {
      201: json(createdRoomSchema, 'Created'),
      ...errors(400, 401, 403, 409, 413, 415, 429, 503),
    },
  })

/**
 * `GET` answers `{ rooms: RoomSummary[] }`, at most `limit` (default 50, max 500); in secure mode only
 * the rooms the caller's token lets them read. `POST` with `{ "name": "..." }` (and optionally
 * `content` to import) answers 201
 * `{ room: { name } }`, 409 `room_exists` when the name is taken, 403 without write access.
 */
export function roomsRoute(deps: RoomsRouteDeps): OpenAPIHono<AppEnv> {
  const importer = new DocumentImporter()
  return apiRouter()
    .openapi(listRoute(deps), async (c) => {
      const { limit } = c.req.valid('query')
      const visible: RoomSummary[] = []
      for (const room of await listRooms(deps.store, deps.registry, deps.elsewhere)) {
        if (visible.length >= limit) break
        if (!deps.guard.secure || (await deps.guard.roomAccess(c.var.identity, room.name)) !== null) visible.push(room)
      }
      return c.json({ rooms: visible }, 200)
    })
    .openapi(createRoomRoute(deps), async (c) => {
      const { name, content } = c.req.valid('json')
      if (deps.guard.secure && (await deps.guard.roomAccess(c.var.identity, name)) !== 'write') {
        throw new HttpError(403, 'forbidden', `not allowed to create ${name}`)
      }
      const incoming = c.env?.incoming
      const address = clientAddress(incoming?.socket.remoteAddress, incoming?.headers['x-forwarded-for'], deps.trustProxy)
      if (!deps.registry.get(name)) {
        try {
          deps.limits.openRoom(address)
        } catch (error) {
          throw httpErrorOf(error)
        }
      }
      let update: Uint8Array
      if (content) {
        try {
          update = await importer.import(content)
        } catch (error) {
          if (error instanceof ImportError) throw new HttpError(400, 'invalid_content', error.message)
          if (error instanceof ImportBusyError) throw new HttpError(503, 'server_busy', error.message)
          throw error
        }
      } else {
        const { newDocumentUpdate } = await import('../rooms/new-document.js')
        update = newDocumentUpdate()
      }
      if (!(await deps.registry.create(name, update))) {
        throw new HttpError(409, 'room_exists', `a document named ${name} already exists`)
      }
      return c.json({ room: { name } }, 201)
    })
}
