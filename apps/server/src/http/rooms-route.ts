/**
 * `/api/rooms`: the documents people can open, most recently active first (`GET`), and creating one
 * (`POST`), which stores it at once so it is listed until deleted.
 */
import { roomNameProblem } from '@tandem/protocol'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'

import { clientAddress } from '../admission/client-address.js'
import type { ConnectionLimits } from '../admission/connection-limits.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import { listRooms } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { AppEnv } from './app-env.js'
import { httpErrorOf, identifyRequest } from './identify-request.js'
import { validate } from './validate.js'

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })

const createBody = z.strictObject({
  name: z.string().superRefine((name, context) => {
    const problem = roomNameProblem(name)
    if (problem) context.addIssue({ code: 'custom', message: problem })
  }),
})

/** Largest `POST /api/rooms` body: a name is at most a few hundred bytes. */
const MAX_CREATE_BYTES = 4096

/** What the routes need. */
export interface RoomsRouteDeps {
  store: DocumentStore
  registry: RoomRegistry
  guard: UpgradeGuard
  /** Creating counts against the same per-address allowance of new rooms as opening one. */
  limits: ConnectionLimits
  trustProxy: boolean
}

/**
 * `GET` answers `{ rooms: RoomSummary[] }`, at most `limit` (default 50, max 500); in secure mode only
 * the rooms the caller's token lets them read. `POST` with `{ "name": "..." }` answers 201
 * `{ room: { name } }`, 409 `room_exists` when the name is taken, 403 without write access.
 */
export function roomsRoute(deps: RoomsRouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/', identifyRequest(deps.guard), async (c) => {
      const parsed = query.safeParse(c.req.query())
      if (!parsed.success) throw new HttpError(400, 'bad_request', 'limit must be an integer from 1 to 500')
      const visible = []
      for (const room of await listRooms(deps.store, deps.registry)) {
        if (visible.length >= parsed.data.limit) break
        if (!deps.guard.secure || (await deps.guard.roomAccess(c.var.identity, room.name)) !== null) visible.push(room)
      }
      return c.json({ rooms: visible })
    })
    .post(
      '/',
      bodyLimit({
        maxSize: MAX_CREATE_BYTES,
        onError: (c) => c.json({ error: { code: 'payload_too_large', message: `body is larger than ${MAX_CREATE_BYTES} bytes` } }, 413),
      }),
      identifyRequest(deps.guard),
      async (c) => {
        let raw: unknown
        try {
          raw = await c.req.json()
        } catch {
          throw new HttpError(400, 'bad_request', 'send a JSON body: { "name": "<document name>" }')
        }
        const { name } = validate(createBody, raw)
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
        // Loaded on the first create, like the export: it brings in the document package.
        const { newDocumentUpdate } = await import('../rooms/new-document.js')
        if (!(await deps.registry.create(name, newDocumentUpdate()))) {
          throw new HttpError(409, 'room_exists', `a document named ${name} already exists`)
        }
        return c.json({ room: { name } }, 201)
      },
    )
}
