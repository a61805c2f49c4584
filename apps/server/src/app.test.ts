import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { ConnectionLimits } from './admission/connection-limits.js'
import { createApp } from './app.js'
import { AccessPolicy } from './auth/access-policy.js'
import { HostPolicy } from './auth/host-policy.js'
import { UpgradeGuard } from './auth/upgrade-guard.js'
import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { ServerMetrics, TrafficCounters } from './metrics/server-metrics.js'
import { NotificationHub } from './notifications/notification-hub.js'
import { RoomRegistry } from './rooms/room-registry.js'
import { MemoryDocumentStore } from './storage/memory-document-store.js'
import { MemoryMessageStore } from './storage/memory-message-store.js'

type ErrorBody = { error: { code: string; message: string } }

const webDir = mkdtempSync(join(tmpdir(), 'tandem-web-'))
afterAll(() => rmSync(webDir, { recursive: true, force: true }))

function app(dir = webDir) {
  const logger = createLogger('silent')
  const store = new MemoryDocumentStore()
  const registry = new RoomRegistry({ store, logger, idleMs: 10, compactMaxRows: 100, compactMaxBytes: 1 << 20 })
  const hub = new NotificationHub({ store: new MemoryMessageStore(), logger, retentionFor: () => ({ maxMessages: 10, maxAgeMs: 1000 }) })
  const config = { ...loadConfig({}), webDir: dir }
  const guard = new UpgradeGuard(new AccessPolicy({ secret: null, webhook: null }), {
    allowedOrigins: null,
    hosts: new HostPolicy({ enforce: true }),
  })
  const limits = new ConnectionLimits({ maxConnectionsPerAddress: 4, maxPendingUpgrades: 4, maxNewRoomsPerMinute: 4 })
  const metrics = new ServerMetrics({
    documentConnections: () => 0,
    eventConnections: () => 0,
    roomsLoaded: () => 0,
    traffic: new TrafficCounters(),
    hub: hub.counters,
  })
  return createApp({ config, registry, store, hub, bridge: null, guard, limits, metrics, logger, startedAt: Date.now() - 5_000 })
}

describe('HTTP app', () => {
  it('answers health with counts and uptime', async () => {
    const response = await app().request('/api/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, rooms: 0, connections: 0, uptimeS: 5, redis: 'disabled' })
  })

  it('answers unknown API routes with a JSON 404 and plain HTTP on /collab with 426', async () => {
    const notFound = await app().request('/api/nope', { method: 'POST' })
    expect(notFound.status).toBe(404)
    expect(((await notFound.json()) as ErrorBody).error.code).toBe('not_found')
    const collab = await app().request('/collab/room')
    expect(collab.status).toBe(426)
    expect(((await collab.json()) as ErrorBody).error.code).toBe('upgrade_required')
  })

  it('says how to build the web app when it is missing', async () => {
    const response = await app(join(webDir, 'missing')).request('/')
    expect(response.status).toBe(503)
    expect(await response.text()).toMatch(/npm run build/)
  })

  it('serves built files, immutable assets, and index.html for app routes but not for missing files', async () => {
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Tandem</title>')
    mkdirSync(join(webDir, 'assets'), { recursive: true })
    writeFileSync(join(webDir, 'assets', 'app-abc123.js'), 'console.log(1)')
    const web = app()
    for (const path of ['/', '/d/my-room', '/admin']) {
      const response = await web.request(path)
      expect(response.status, path).toBe(200)
      expect(await response.text()).toContain('<title>Tandem</title>')
    }
    const asset = await web.request('/assets/app-abc123.js')
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect((await web.request('/assets/gone.js')).status).toBe(404)
  })
})
