import { describe, expect, it } from 'vitest'

import type { RedisBridge } from '../notifications/redis-bridge.js'
import { readyRoute } from './ready-route.js'

const bridge = (state: RedisBridge['state']): RedisBridge => ({ state }) as RedisBridge

async function ask(deps: Parameters<typeof readyRoute>[0]): Promise<{ status: number; body: unknown }> {
  const response = await readyRoute(deps).request('/')
  return { status: response.status, body: await response.json() }
}

describe('GET /api/ready', () => {
  it('is ready with a store in the process and no Redis', async () => {
    expect(await ask({ bridge: null })).toEqual({
      status: 200,
      body: { ready: true, storage: 'ok', redis: 'disabled', cluster: 'disabled', draining: false },
    })
  })

  it('is ready only while the store answers and the Redis bridge, when there is one, is ready', async () => {
    expect(await ask({ bridge: bridge('ready'), storageReachable: async () => true })).toEqual({
      status: 200,
      body: { ready: true, storage: 'ok', redis: 'ready', cluster: 'disabled', draining: false },
    })
    expect(await ask({ bridge: bridge('reconnecting'), storageReachable: async () => true })).toEqual({
      status: 503,
      body: { ready: false, storage: 'ok', redis: 'reconnecting', cluster: 'disabled', draining: false },
    })
    expect(await ask({ bridge: null, storageReachable: async () => false })).toEqual({
      status: 503,
      body: { ready: false, storage: 'unreachable', redis: 'disabled', cluster: 'disabled', draining: false },
    })
    expect((await ask({ bridge: null, storageReachable: () => Promise.reject(new Error('connection refused')) })).status).toBe(503)
  })

  it('is not ready while draining before a shutdown', async () => {
    expect(await ask({ bridge: null, draining: () => true })).toEqual({
      status: 503,
      body: { ready: false, storage: 'ok', redis: 'disabled', cluster: 'disabled', draining: true },
    })
  })

  it('is not ready while a node of a cluster cannot hear the others', async () => {
    const deps = { bridge: bridge('ready'), storageReachable: async () => true }
    expect(await ask({ ...deps, cluster: { state: 'ready' } })).toEqual({
      status: 200,
      body: { ready: true, storage: 'ok', redis: 'ready', cluster: 'ready', draining: false },
    })
    expect(await ask({ ...deps, cluster: { state: 'reconnecting' } })).toEqual({
      status: 503,
      body: { ready: false, storage: 'ok', redis: 'ready', cluster: 'degraded', draining: false },
    })
  })

  it('counts a store that takes over a second as unreachable, without waiting for it', async () => {
    const started = performance.now()
    const answer = await ask({ bridge: null, storageReachable: () => new Promise(() => {}) })
    expect(answer).toEqual({
      status: 503,
      body: { ready: false, storage: 'unreachable', redis: 'disabled', cluster: 'disabled', draining: false },
    })
    expect(performance.now() - started).toBeLessThan(5000)
  })
})
