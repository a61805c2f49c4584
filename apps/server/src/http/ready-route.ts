/** `GET /api/ready`: readiness for load balancers, apart from liveness (`/api/health`). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { type Readiness, readinessSchema } from '@tandem/protocol'

import { answerWithin } from '../answer-within.js'
import type { Cluster } from '../cluster/cluster.js'
import type { RedisBridge } from '../notifications/redis-bridge.js'
import { apiRouter, json } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { clusterHealth } from './health-route.js'

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['Server'],
  summary: 'Readiness for a load balancer',
  description:
    'Answers 200 while the document store answers and, when REDIS_URL is set, the Redis bridge is ready and (on a cluster) this node hears the others, and it is not draining before a shutdown (DRAIN_DELAY_MS); 503 otherwise, with the same body saying which is not. Liveness is /api/health.',
  responses: {
    200: json(readinessSchema, 'Send this node traffic'),
    503: json(readinessSchema, 'Send this node no new traffic for now'),
  },
})

/** Milliseconds the storage check may take before it counts as unreachable. */
const STORAGE_CHECK_MS = 1000

/**
 * The route. `storageReachable` asks the store something trivial (a store in this process's memory or
 * file, such as SQLite, need not pass one: it is reachable while the process runs).
 */
export function readyRoute(deps: {
  bridge: RedisBridge | null
  storageReachable?: () => Promise<boolean>
  cluster?: Pick<Cluster, 'state'> | null
  draining?: () => boolean
}): OpenAPIHono<AppEnv> {
  return apiRouter().openapi(route, async (c) => {
    const storage = deps.storageReachable ? await answerWithin(deps.storageReachable(), STORAGE_CHECK_MS) : true
    const redis = deps.bridge ? deps.bridge.state : 'disabled'
    const cluster = clusterHealth(deps.cluster)
    const draining = deps.draining?.() ?? false
    const body: Readiness = {
      ready: storage && (redis === 'disabled' || redis === 'ready') && cluster !== 'degraded' && !draining,
      storage: storage ? 'ok' : 'unreachable',
      redis,
      cluster,
      draining,
    }
    return body.ready ? c.json(body, 200) : c.json(body, 503)
  })
}
