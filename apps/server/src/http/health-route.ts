/** `GET /api/health`: 200 with live counts once the server is ready. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { type Health, healthSchema } from '@tandem/protocol'

import type { Cluster } from '../cluster/cluster.js'
import type { RedisBridge } from '../notifications/redis-bridge.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { apiRouter, json } from './api-router.js'
import type { AppEnv } from './app-env.js'

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['Server'],
  summary: 'Health and live counts',
  description: 'Answers 200 whenever the server serves, with or without Redis.',
  responses: { 200: json(healthSchema, 'The server is up') },
})

/**
 * Health body: `{ ok, rooms, connections, uptimeS, redis }`. `redis` is `"disabled"` without
 * `REDIS_URL`, `"ready"` only while the bridge is connected *and* its pattern subscription is
 * active, else `"connecting"`, `"subscribing"`, `"reconnecting"` or `"closed"`. On a cluster, `cluster`
 * (and `status`) is `"degraded"` while the node cannot hear the others. The server answers 200 either
 * way: it serves without Redis.
 */
export function healthRoute(deps: {
  registry: RoomRegistry
  bridge: RedisBridge | null
  startedAt: number
  cluster?: Pick<Cluster, 'state'> | null
}): OpenAPIHono<AppEnv> {
  return apiRouter().openapi(route, (c) => {
    const cluster = clusterHealth(deps.cluster)
    return c.json(
      {
        ok: true as const,
        rooms: deps.registry.size,
        connections: deps.registry.connectionCount,
        uptimeS: Math.floor((Date.now() - deps.startedAt) / 1000),
        redis: deps.bridge ? deps.bridge.state : 'disabled',
        cluster,
        status: cluster === 'degraded' ? 'degraded' : 'ok',
      },
      200,
    )
  })
}

/** How `/api/health` and `/api/ready` report a node's membership of a cluster. */
export function clusterHealth(cluster: Pick<Cluster, 'state'> | null | undefined): Health['cluster'] {
  if (!cluster) return 'disabled'
  return cluster.state === 'ready' ? 'ready' : 'degraded'
}
