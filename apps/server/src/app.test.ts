import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  adminRoomDetailSchema,
  adminRoomPageSchema,
  adminStatsSchema,
  apiErrorSchema,
  channelHistorySchema,
  healthSchema,
  publishedSchema,
  roomListSchema,
} from '@tandem/protocol'
import { afterAll, describe, expect, it } from 'vitest'

import { ConnectionLimits } from './admission/connection-limits.js'
import { createApp } from './app.js'
import { AccessPolicy } from './auth/access-policy.js'
import { HostPolicy } from './auth/host-policy.js'
import { UpgradeGuard } from './auth/upgrade-guard.js'
import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { ServerMetrics, TrafficCounters } from './metrics/server-metrics.js'
import { StatsHistory } from './metrics/stats-history.js'
import { NotificationHub } from './notifications/notification-hub.js'
import { RoomQuota } from './rooms/room-quota.js'
import { RoomRegistry } from './rooms/room-registry.js'
import { MemoryAuditLog } from './storage/memory-audit-log.js'
import { MemoryDocumentStore } from './storage/memory-document-store.js'
import { MemoryImageStore } from './storage/memory-image-store.js'
import { MemoryMessageStore } from './storage/memory-message-store.js'
import { MemorySearchIndex } from './storage/memory-search-index.js'
import { MemoryVersionStore } from './storage/memory-version-store.js'
import { VersionKeeper } from './versions/version-keeper.js'

type ErrorBody = { error: { code: string; message: string } }

const webDir = mkdtempSync(join(tmpdir(), 'tandem-web-'))
afterAll(() => rmSync(webDir, { recursive: true, force: true }))

function app(dir = webDir, adminToken: string | null = null) {
  const logger = createLogger('silent')
  const store = new MemoryDocumentStore()
  const registry = new RoomRegistry({ store, logger, idleMs: 10, compactMaxRows: 100, compactMaxBytes: 1 << 20 })
  const hub = new NotificationHub({ store: new MemoryMessageStore(), logger, retentionFor: () => ({ maxMessages: 10, maxAgeMs: 1000 }) })
  const config = { ...loadConfig({}), webDir: dir, adminToken }
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
  const versions = new MemoryVersionStore(store)
  const search = new MemorySearchIndex(store)
  const images = new MemoryImageStore(store)
  const keeper = new VersionKeeper({ store: versions, logger, idleMs: 60_000 })
  return createApp({
    config,
    registry,
    store,
    versions,
    search,
    images,
    audit: new MemoryAuditLog(),
    quota: new RoomQuota(store, 1000),
    keeper,
    hub,
    bridge: null,
    guard,
    limits,
    metrics,
    statsHistory: new StatsHistory(metrics),
    logger,
    startedAt: Date.now() - 5_000,
  })
}

describe('HTTP app', () => {
  it('answers health with counts and uptime', async () => {
    const response = await app().request('/api/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      ok: true,
      rooms: 0,
      connections: 0,
      uptimeS: 5,
      redis: 'disabled',
      cluster: 'disabled',
      status: 'ok',
    })
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

describe('API description', () => {
  type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown }
  type Description = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }
  const describeApi = async (server: ReturnType<typeof app>): Promise<Description> =>
    (await (await server.request('/api/openapi.json')).json()) as Description

  it('describes every API route the app answers, with its method', async () => {
    const server = app()
    const described = await describeApi(server)
    if (process.env.DUMP_OPENAPI) (await import('node:fs')).writeFileSync(process.env.DUMP_OPENAPI, JSON.stringify(described, null, 2))
    expect(described.openapi).toBe('3.1.0')
    const answered = new Set(
      server.routes
        .filter((route) => route.method !== 'ALL' && /^\/(api|metrics|collab)/.test(route.path))
        .filter((route) => !route.path.startsWith('/api/docs') && route.path !== '/api/openapi.json')
        .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
    )
    // Every route of every router, mounted: a route added without a description fails here.
    expect(answered.size).toBeGreaterThanOrEqual(13)
    for (const route of answered) {
      const [method, path] = route.split(' ') as [string, string]
      expect(described.paths[path]?.[method], `${route} is not in /api/openapi.json`).toBeDefined()
    }
    expect(described.paths['/collab/{room}']?.get).toBeDefined()
  })

  it('names the schemas of the answers and errors, and which routes need which token', async () => {
    const described = await describeApi(app())
    for (const name of ['Error', 'RoomSummary', 'RoomList', 'Publish', 'Published', 'ChannelHistory', 'AdminRoomPage', 'AdminStats']) {
      expect(described.components.schemas[name], name).toBeDefined()
    }
    const publish = described.paths['/api/publish']!.post!
    expect(publish.security).toEqual([{ publishKey: [] }, { adminToken: [] }])
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '413', '415']))
    expect(publish.responses['400']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' })
    expect(described.paths['/api/admin/rooms']!.get!.security).toEqual([{ adminToken: [] }])
  })

  it('serves a reference page that loads from this server only', async () => {
    const server = app()
    const page = await server.request('/api/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await page.text()
    for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)) {
      expect(asset.startsWith('/api/docs/'), asset).toBe(true)
      const response = await server.request(asset)
      expect(response.status, asset).toBe(200)
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(20)
    }
    // Only its own assets: names of the object prototype included.
    for (const other of ['index.html', 'package.json', 'constructor', '__proto__', 'toString', '..%2Fpackage.json']) {
      expect((await server.request(`/api/docs/${other}`)).status, other).toBe(404)
    }
  })

  it('answers in the shapes it declares', async () => {
    const server = app(webDir, 'admin-secret')
    const admin = { authorization: 'Bearer admin-secret', 'content-type': 'application/json' }
    expect((await server.request('/api/rooms', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'shape' }) })).status).toBe(
      201,
    )
    const read = async (path: string) => (await server.request(path, { headers: admin })).json()
    healthSchema.parse(await read('/api/health'))
    expect(roomListSchema.parse(await read('/api/rooms')).rooms.map((room) => room.name)).toEqual(['shape'])
    expect(adminRoomPageSchema.parse(await read('/api/admin/rooms')).total).toBe(1)
    adminRoomDetailSchema.parse(await read('/api/admin/rooms/shape'))
    adminStatsSchema.parse(await read('/api/admin/stats'))
    const published = await server.request('/api/publish', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ channel: 'c', data: 1 }),
    })
    publishedSchema.parse(await published.json())
    expect(channelHistorySchema.parse(await read('/api/channels/c/messages')).messages).toHaveLength(1)
    const refused = await server.request('/api/rooms', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'a b' }) })
    expect(refused.status).toBe(400)
    expect(apiErrorSchema.parse(await refused.json()).error.message).toMatch(/^name: room name may only contain/)
    // Without secure mode a token cannot be minted, whatever the body says.
    const mint = await server.request('/api/admin/tokens', { method: 'POST', headers: admin, body: '{"not":"claims"}' })
    expect([mint.status, apiErrorSchema.parse(await mint.json()).error.code]).toEqual([409, 'secure_mode_off'])
  })
})
