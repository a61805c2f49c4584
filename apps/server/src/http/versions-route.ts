/**
 * `/api/rooms/{room}/versions`: a document's history. Listing and reading a version need read access
 * to the room, naming one and restoring need write access (in open mode everyone has both). A room
 * that is neither stored nor live is 404.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  createVersionBodySchema,
  restoredSchema,
  roomNameSchema,
  versionAnswerSchema,
  versionContentQuerySchema,
  versionListQuerySchema,
  versionListSchema,
} from '@tandem/protocol'

import type { Identity } from '../auth/identity.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { VersionAuthor, VersionInfo, VersionStore } from '../storage/version-store.js'
import { TooManyVersionsError, type VersionKeeper, VersionNotFoundError } from '../versions/version-keeper.js'
import { versionDoc } from '../versions/version-state.js'
import { apiRouter, errors, json, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { identifyRequest } from './identify-request.js'
import { limitBody } from './limit-body.js'
import { requireRoomAccess } from './room-access.js'
import { requireStoredRoom, withStoredRoom } from './stored-room.js'

/** Largest `POST .../versions` body: a name of at most 200 characters. */
const MAX_BODY_BYTES = 4096

/** What the routes need. */
export interface VersionsRouteDeps {
  store: DocumentStore
  versions: VersionStore
  keeper: VersionKeeper
  registry: RoomRegistry
  guard: UpgradeGuard
}

const tags = ['Versions']
const roomParams = z.object({ room: roomNameSchema })
const versionParams = z.object({ room: roomNameSchema, id: z.coerce.number().int().positive().meta({ description: 'Version id' }) })

const routes = (deps: VersionsRouteDeps) => {
  const security = USER_SECURITY
  const bodyLimit = limitBody(MAX_BODY_BYTES, () => {
    throw new HttpError(413, 'payload_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`)
  })
  return {
    list: createRoute({
      method: 'get',
      path: '/{room}/versions',
      tags,
      summary: "List a document's versions",
      description: 'Newest first, a page at a time: pass `next` as `before` for the following page. Needs read access.',
      security,
      middleware: [identifyRequest(deps.guard)] as const,
      request: { params: roomParams, query: versionListQuerySchema },
      responses: { 200: json(versionListSchema, 'A page of versions'), ...errors(400, 401, 403, 404) },
    }),
    create: createRoute({
      method: 'post',
      path: '/{room}/versions',
      tags,
      summary: 'Name a version of the document as it is now',
      description:
        'Records the live document as a named version (named versions are never thinned). When nothing changed since the newest version, that version takes the name instead. A document keeps at most 500 named versions: 409 `too_many_versions` past that. Needs write access.',
      security,
      middleware: [bodyLimit, identifyRequest(deps.guard)] as const,
      request: { params: roomParams, body: { required: true, content: { 'application/json': { schema: createVersionBodySchema } } } },
      responses: { 201: json(versionAnswerSchema, 'The version'), ...errors(400, 401, 403, 404, 409, 413, 415) },
    }),
    content: createRoute({
      method: 'get',
      path: '/{room}/versions/{id}',
      tags,
      summary: 'The document as it was at a version',
      description: '`json` (the default) is the ProseMirror document; the others read as they say. Needs read access.',
      security,
      middleware: [identifyRequest(deps.guard)] as const,
      request: { params: versionParams, query: versionContentQuerySchema },
      responses: {
        200: {
          description: 'The document',
          content: {
            'application/json': { schema: z.unknown() },
            'text/html': { schema: z.string() },
            'text/markdown': { schema: z.string() },
            'text/plain': { schema: z.string() },
          },
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    restore: createRoute({
      method: 'post',
      path: '/{room}/versions/{id}/restore',
      tags,
      summary: 'Make the document show a version again',
      description:
        'Applied as a new change on top (nothing is rewritten); everyone connected sees it at once. The state just before is kept as a version. Blocks the version shares with the live document are left untouched, so an edit made meanwhile in one of them survives. Needs write access.',
      security,
      middleware: [identifyRequest(deps.guard)] as const,
      request: { params: versionParams },
      responses: { 200: json(restoredSchema, 'Restored'), ...errors(400, 401, 403, 404) },
    }),
  }
}

/** A version as the API shows it. */
function publicVersion(info: VersionInfo): Omit<VersionInfo, 'room' | 'contentHash'> {
  const { room: _room, contentHash: _hash, ...rest } = info
  return rest
}

/** Who restores, as the author of the change. */
function authorOfIdentity(identity: Identity): VersionAuthor {
  return identity.kind === 'user'
    ? { id: identity.id, name: identity.name, color: identity.color }
    : { id: null, name: 'Anonymous', color: null }
}

/** The routes, mounted under `/api/rooms`. */
export function versionsRoute(deps: VersionsRouteDeps): OpenAPIHono<AppEnv> {
  const route = routes(deps)

  return apiRouter()
    .openapi(route.list, async (c) => {
      const { room } = c.req.valid('param')
      const { limit, before } = c.req.valid('query')
      await requireRoomAccess(deps.guard, c.var.identity, room, 'read')
      await requireStoredRoom(deps, room)
      const page = await deps.versions.list(room, { limit: limit + 1, ...(before === undefined ? {} : { before }) })
      const versions = page.slice(0, limit)
      return c.json({ versions: versions.map(publicVersion), next: page.length > limit ? versions.at(-1)!.id : null }, 200)
    })
    .openapi(route.create, async (c) => {
      const { room: name } = c.req.valid('param')
      const { name: label } = c.req.valid('json')
      await requireRoomAccess(deps.guard, c.var.identity, name, 'write')
      try {
        const recorded = await withStoredRoom(deps, name, (room) => deps.keeper.record(room, label))
        return c.json({ version: publicVersion(recorded.version) }, 201)
      } catch (error) {
        if (error instanceof TooManyVersionsError) throw new HttpError(409, 'too_many_versions', error.message)
        throw error
      }
    })
    .openapi(route.content, async (c) => {
      const { room, id } = c.req.valid('param')
      const { format } = c.req.valid('query')
      await requireRoomAccess(deps.guard, c.var.identity, room, 'read')
      // A document in the trash shows nothing, its versions included.
      await requireStoredRoom(deps, room)
      const stored = await deps.versions.get(room, id)
      if (!stored) throw new HttpError(404, 'not_found', `document ${room} has no version ${id}`)
      const doc = await versionDoc(stored.state)
      try {
        // Loaded on first use: the document package (ProseMirror, markdown-it) stays out of start-up.
        const { exportDocument } = await import('../rooms/document-export.js')
        const { body, contentType } = exportDocument(doc, format, `${room} (${new Date(stored.info.createdAt).toISOString()})`)
        c.header('Content-Type', contentType)
        return c.body(body, 200)
      } finally {
        doc.destroy()
      }
    })
    .openapi(route.restore, async (c) => {
      const { room: name, id } = c.req.valid('param')
      await requireRoomAccess(deps.guard, c.var.identity, name, 'write')
      try {
        const { restored, before } = await withStoredRoom(deps, name, (room) =>
          deps.keeper.restore(room, id, authorOfIdentity(c.var.identity)),
        )
        return c.json({ restored: publicVersion(restored), before: publicVersion(before) }, 200)
      } catch (error) {
        if (error instanceof VersionNotFoundError) throw new HttpError(404, 'not_found', error.message)
        throw error
      }
    })
}
