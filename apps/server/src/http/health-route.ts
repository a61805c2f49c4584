/** `GET /api/health`: 200 with live counts once the server is ready. */
import { Hono } from 'hono'
import type { RoomRegistry } from '../rooms/room-registry.js'

/** Health body: `{ ok, rooms, connections, uptimeS }`. */
export function healthRoute(deps: { registry: RoomRegistry; startedAt: number }): Hono {
  return new Hono().get('/', (c) =>
    c.json({
      ok: true,
      rooms: deps.registry.size,
      connections: deps.registry.connectionCount,
      uptimeS: Math.floor((Date.now() - deps.startedAt) / 1000),
    }),
  )
}
