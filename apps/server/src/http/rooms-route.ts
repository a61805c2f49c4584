/**
 * `/api/rooms`: the documents people can open, most recently active first (`GET`), and creating one
 * (`POST`), which stores it at once so it is listed until deleted.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  createdRoomSchema,
  createRoomBodySchema,
  documentTitle,
  roomListQuerySchema,
  roomListSchema,
  roomNameSchema,
  type RoomSummary,
  setDocumentTitle,
  updateRoomBodySchema,
} from '@tandem/protocol'

import type { ConnectionLimits } from '../admission/connection-limits.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { deleteRoom } from '../rooms/delete-room.js'
import { DocumentImporter, ImportBusyError } from '../rooms/document-importer.js'
import { ImportError } from '../rooms/import-error.js'
import { type ConnectionsElsewhere, listRooms } from '../rooms/room-directory.js'
import { type RoomQuota, RoomQuotaError } from '../rooms/room-quota.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { SearchIndex } from '../storage/search-index.js'
import { apiRouter, errors, json, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { auditActor, type AuditTrail } from './audit-trail.js'
import { httpErrorOf, identifyRequest } from './identify-request.js'
import { limitBody } from './limit-body.js'
import { requestAddress } from './request-address.js'
import { requireRoomAccess } from './room-access.js'
import { withStoredRoom } from './stored-room.js'

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
  /** Titles and text of stored documents, for titles in the list and `q`. */
  search: SearchIndex
  /** Says `deleted` on `room:<name>` when a writer deletes a document. */
  hub: Pick<NotificationHub, 'publish'>
  /** Records who deleted what. */
  trail: AuditTrail
  /** `MAX_ROOMS`, asked before a document is created. */
  quota: Pick<RoomQuota, 'admit'>
  /** `MAX_DOCUMENT_BYTES`: an import larger than this is refused. */
  maxDocumentBytes: number
}

/** Most documents a search looks at before access checks (each is checked in secure mode). */
const MAX_SEARCH_HITS = 500

const listRoute = (deps: RoomsRouteDeps) =>
  createRoute({
    method: 'get',
    path: '/',
    tags: ['Rooms'],
    summary: 'List or search documents',
    description:
      "Most recently active first, or by title (`sort=name`); with `q`, the documents holding every word, best match first, each with a snippet. In secure mode, only the rooms the caller's token lets them read.",
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { query: roomListQuerySchema },
    responses: { 200: json(roomListSchema, 'The rooms'), ...errors(400, 401) },
  })

const roomParams = z.object({ room: roomNameSchema })

const deleteRoomRoute = (deps: RoomsRouteDeps) =>
  createRoute({
    method: 'delete',
    path: '/{room}',
    tags: ['Rooms'],
    summary: 'Delete a document',
    description:
      'Moves the document, with its history, comments and images, to the trash, where an administrator can restore it until `TRASH_RETENTION` has passed; everyone in it sees that it was deleted (close code 4404). Recorded in the audit log. Needs write access.',
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { params: roomParams },
    responses: { 200: json(z.object({ deleted: z.string() }), 'Deleted'), ...errors(400, 401, 403, 404) },
  })

const updateRoomRoute = (deps: RoomsRouteDeps) =>
  createRoute({
    method: 'patch',
    path: '/{room}',
    tags: ['Rooms'],
    summary: 'Rename a document',
    description:
      'Sets the title everyone sees (an empty title goes back to the first heading or line), as one change to the document. Needs write access.',
    security: USER_SECURITY,
    middleware: [
      limitBody(4096, () => {
        throw new HttpError(413, 'payload_too_large', 'body is larger than 4096 bytes')
      }),
      identifyRequest(deps.guard),
    ] as const,
    request: { params: roomParams, body: { required: true, content: { 'application/json': { schema: updateRoomBodySchema } } } },
    responses: {
      200: json(z.object({ room: z.object({ name: z.string(), title: z.string() }) }), 'Renamed'),
      ...errors(400, 401, 403, 404, 413, 415),
    },
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
      ...errors(400, 401, 403, 409, 413, 415, 429, 503, 507),
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
      const { limit, q, sort } = c.req.valid('query')
      const mayRead = async (name: string): Promise<boolean> =>
        !deps.guard.secure || (await deps.guard.roomAccess(c.var.identity, name)) !== null
      const rooms = await listRooms(deps.store, deps.registry, deps.elsewhere, await deps.search.titles(), sort)
      const visible: (RoomSummary & { snippet?: string })[] = []
      if (q === undefined) {
        for (const room of rooms) {
          if (visible.length >= limit) break
          if (await mayRead(room.name)) visible.push(room)
        }
        return c.json({ rooms: visible }, 200)
      }
      const byName = new Map(rooms.map((room) => [room.name, room]))
      for (const hit of await deps.search.search(q, MAX_SEARCH_HITS)) {
        if (visible.length >= limit) break
        const room = byName.get(hit.name)
        if (room && (await mayRead(room.name))) visible.push({ ...room, snippet: hit.snippet })
      }
      return c.json({ rooms: visible }, 200)
    })
    .openapi(deleteRoomRoute(deps), async (c) => {
      const { room } = c.req.valid('param')
      await requireRoomAccess(deps.guard, c.var.identity, room, 'write')
      const actor = auditActor(c.var.identity)
      if (!(await deleteRoom(deps, room, actor))) throw new HttpError(404, 'not_found', `no room ${room}`)
      await deps.trail(c, { actor, action: 'room.delete', target: room })
      return c.json({ deleted: room }, 200)
    })
    .openapi(updateRoomRoute(deps), async (c) => {
      const { room: name } = c.req.valid('param')
      const { title } = c.req.valid('json')
      await requireRoomAccess(deps.guard, c.var.identity, name, 'write')
      const renamed = await withStoredRoom(deps, name, (room) => {
        room.changeAsServer((doc) => setDocumentTitle(doc, title))
        return documentTitle(room.doc)
      })
      return c.json({ room: { name, title: renamed } }, 200)
    })
    .openapi(createRoomRoute(deps), async (c) => {
      const { name, content } = c.req.valid('json')
      if (deps.guard.secure && (await deps.guard.roomAccess(c.var.identity, name)) !== 'write') {
        throw new HttpError(403, 'forbidden', `not allowed to create ${name}`)
      }
      const address = requestAddress(c, deps.trustProxy)
      if (!deps.registry.get(name)) {
        if (await deps.store.trashed(name)) {
          throw new HttpError(
            409,
            'room_in_trash',
            `a deleted document named ${name} is in the trash; an administrator can restore or purge it`,
          )
        }
        try {
          deps.limits.openRoom(address)
        } catch (error) {
          throw httpErrorOf(error)
        }
        if (!(await deps.store.info(name))) {
          try {
            await deps.quota.admit()
          } catch (error) {
            if (error instanceof RoomQuotaError) throw new HttpError(507, 'too_many_rooms', error.message)
            throw error
          }
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
      if (update.byteLength > deps.maxDocumentBytes) {
        throw new HttpError(
          413,
          'document_too_large',
          `the imported document takes ${update.byteLength} bytes, more than one document may (${deps.maxDocumentBytes}, MAX_DOCUMENT_BYTES)`,
        )
      }
      if (!(await deps.registry.create(name, update))) {
        throw new HttpError(409, 'room_exists', `a document named ${name} already exists`)
      }
      return c.json({ room: { name } }, 201)
    })
}
