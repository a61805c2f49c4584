/** `GET /api/rooms`: the documents people can open, most recently active first. */
import { Hono } from 'hono'
import { z } from 'zod'
import { identifyRequest } from '../auth/identify-request.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { AppEnv } from './app-env.js'
import { listRooms } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })

/**
 * Answers `{ rooms: RoomSummary[] }`, at most `limit` (default 50, max 500). In secure mode only the
 * rooms the caller's token lets them read are listed.
 */
export function roomsRoute(deps: { store: DocumentStore; registry: RoomRegistry; guard: UpgradeGuard }): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', identifyRequest(deps.guard), async (c) => {
    const parsed = query.safeParse(c.req.query())
    if (!parsed.success) throw new HttpError(400, 'bad_request', 'limit must be an integer from 1 to 500')
    const visible = []
    for (const room of await listRooms(deps.store, deps.registry)) {
      if (visible.length >= parsed.data.limit) break
      if (!deps.guard.secure || (await deps.guard.roomAccess(c.var.identity, room.name)) !== null) visible.push(room)
    }
    return c.json({ rooms: visible })
  })
}
