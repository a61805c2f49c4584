/** `GET /api/rooms`: the documents people can open, most recently active first. */
import { Hono } from 'hono'
import { z } from 'zod'
import { HttpError } from '../errors.js'
import { listRooms } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })

/** Answers `{ rooms: RoomSummary[] }`, at most `limit` (default 50, max 500). */
export function roomsRoute(deps: { store: DocumentStore; registry: RoomRegistry }): Hono {
  return new Hono().get('/', async (c) => {
    const parsed = query.safeParse(c.req.query())
    if (!parsed.success) throw new HttpError(400, 'bad_request', 'limit must be an integer from 1 to 500')
    const rooms = await listRooms(deps.store, deps.registry)
    return c.json({ rooms: rooms.slice(0, parsed.data.limit) })
  })
}
