/** `GET /api/health`: 200 with live counts once the server is ready. */
import { Hono } from 'hono'

import type { RedisBridge } from '../notifications/redis-bridge.js'
import type { RoomRegistry } from '../rooms/room-registry.js'

/**
 * Health body: `{ ok, rooms, connections, uptimeS, redis }`. `redis` is `"disabled"` without
 * `REDIS_URL`, `"ready"` only while the bridge is connected *and* its pattern subscription is
 * active, else `"connecting"`, `"subscribing"`, `"reconnecting"` or `"closed"`. The server answers 200
 * either way: it serves without Redis.
 */
export function healthRoute(deps: { registry: RoomRegistry; bridge: RedisBridge | null; startedAt: number }): Hono {
  return new Hono().get('/', (c) =>
    c.json({
      ok: true,
      rooms: deps.registry.size,
      connections: deps.registry.connectionCount,
      uptimeS: Math.floor((Date.now() - deps.startedAt) / 1000),
      redis: deps.bridge ? deps.bridge.state : 'disabled',
    }),
  )
}
