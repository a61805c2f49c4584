import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { adminStatsSchema } from '@tandem/protocol'
import { CloseCode } from '@tandem/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

import { eventsSocket } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { spawnServer } from '../test-support/spawn-server.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const SECRET = 'admin-test-auth-secret-0123456789abcdef'
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-admin-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const adminServer = (overrides = {}) => startTestServer({ adminToken: ADMIN, ...overrides })

async function admin(server: TestServer, path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers)
  if (init.token !== null) headers.set('Authorization', `Bearer ${init.token ?? ADMIN}`)
  if (init.body) headers.set('Content-Type', 'application/json')
  const response = await fetch(`${server.url}${path}`, { ...init, headers })
  const text = await response.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON (exports, metrics)
  }
  return { status: response.status, body, headers: response.headers }
}

describe('admin API', () => {
  it('answers 401 on every admin route without the right token', async () => {
    const server = await adminServer()
    for (const [method, path] of [
      ['GET', '/api/admin/rooms'],
      ['GET', '/api/admin/rooms/x'],
      ['DELETE', '/api/admin/rooms/x'],
      ['GET', '/api/admin/rooms/x/export'],
      ['POST', '/api/admin/broadcast'],
      ['POST', '/api/admin/tokens'],
      ['GET', '/metrics'],
    ] as const) {
      expect((await admin(server, path, { method, token: null })).status, `${method} ${path}`).toBe(401)
      expect((await admin(server, path, { method, token: 'wrong-token-wrong-token' })).status, `${method} ${path}`).toBe(401)
    }
  })

  it('lists rooms with live connections and users, filtered, sorted and paged', async () => {
    const server = await adminServer()
    const a1 = await connectClient(server, 'team-alpha')
    a1.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e91e63' })
    await connectClient(server, 'team-alpha')
    const b = await connectClient(server, 'team-beta')
    b.text.insert(0, 'x'.repeat(500))
    await connectClient(server, 'other')
    await eventually(async () => expect((await server.store.info('team-beta'))?.bytes).toBeGreaterThan(500))

    await eventually(async () => {
      const { body } = await admin(server, '/api/admin/rooms?prefix=team-&sort=connections&order=desc')
      expect(body.total).toBe(2)
      expect(body.rooms.map((r: { name: string }) => r.name)).toEqual(['team-alpha', 'team-beta'])
      expect(body.rooms[0]).toMatchObject({ connections: 2, loaded: true, users: [{ name: 'Ada', color: '#e91e63' }] })
      expect(body.rooms[1]).toMatchObject({ connections: 1, logRows: 1 })
    })
    const bySize = await admin(server, '/api/admin/rooms?sort=bytes&order=desc&limit=1')
    expect(bySize.body.rooms.map((r: { name: string }) => r.name)).toEqual(['team-beta'])
    const next = await admin(server, `/api/admin/rooms?sort=bytes&order=desc&limit=1&cursor=${bySize.body.nextCursor}`)
    expect(next.body.rooms).toHaveLength(1)
    expect(next.body.rooms[0].name).not.toBe('team-beta')
    expect((await admin(server, '/api/admin/rooms?sort=color')).status).toBe(400)
    const search = await admin(server, '/api/admin/rooms?q=BET')
    expect(search.body.rooms.map((r: { name: string }) => r.name)).toEqual(['team-beta'])
  })

  it('shows a room with its connections: user, read-only or not, since, address', async () => {
    const server = await adminServer({ authSecret: SECRET })
    const minted = await admin(server, '/api/admin/tokens', {
      method: 'POST',
      body: JSON.stringify({ sub: 'ada', name: 'Ada', rooms: { detail: 'read' }, ttlSeconds: 600 }),
    })
    expect(minted.status).toBe(200)
    await connectClient(server, 'detail', { token: minted.body.token })
    const { status, body } = await admin(server, '/api/admin/rooms/detail')
    expect(status).toBe(200)
    expect(body.connectionsList).toEqual([
      expect.objectContaining({ user: 'Ada', userId: 'ada', readOnly: true, color: null, address: expect.stringMatching(/127\.0\.0\.1/) }),
    ])
    expect(body.connectionsList[0].connectedAt).toBeLessThanOrEqual(Date.now())
    expect((await admin(server, '/api/admin/rooms/missing')).status).toBe(404)
    expect((await admin(server, '/api/admin/rooms/bad%20name')).status).toBe(400)
  })

  it('deletes a room: closes its connections with RoomDeleted, removes its data, announces it', async () => {
    const server = await adminServer()
    const watcher = await eventsSocket(server.url)
    watcher.send({ type: 'subscribe', channels: ['room:doomed'] })
    await watcher.waitFor((f) => f.type === 'subscribed')
    const raw = new WebSocket(`${server.collabUrl}/doomed`)
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)))
    await new Promise((resolve) => raw.once('open', resolve))
    const editor = await connectClient(server, 'doomed')
    editor.text.insert(0, 'soon gone')
    await eventually(async () => expect(await server.store.info('doomed')).not.toBeNull())
    editor.provider.shouldConnect = false

    const { status } = await admin(server, '/api/admin/rooms/doomed', { method: 'DELETE' })
    expect(status).toBe(200)
    expect(await closed).toBe(CloseCode.RoomDeleted)
    expect(await server.store.load('doomed')).toBeNull()
    await watcher.waitFor((f) => f.type === 'message' && (f.data as { type: string }).type === 'deleted')
    // Its link now says it was deleted instead of opening an empty document.
    expect(answer(await upgradeAttempt(server.url, '/collab/doomed'))).toEqual({ close: CloseCode.RoomDeleted })
    expect((await admin(server, '/api/admin/rooms/never-existed', { method: 'DELETE' })).status).toBe(404)
  })

  it('exports a stored document in every format', async () => {
    const server = await adminServer({ roomIdleMs: 10 })
    const client = await connectClient(server, 'exported')
    const fragment = client.doc.getXmlFragment('prosemirror')
    const { XmlElement, XmlText } = await import('yjs')
    const heading = new XmlElement('heading')
    heading.setAttribute('level', 1 as unknown as string)
    heading.insert(0, [new XmlText('Title')])
    const paragraph = new XmlElement('paragraph')
    const text = new XmlText()
    text.insert(0, 'Hello ')
    text.insert(6, 'world', { strong: true })
    paragraph.insert(0, [text])
    fragment.insert(0, [heading, paragraph])
    await eventually(async () => expect(await server.store.info('exported')).not.toBeNull())
    client.provider.destroy()
    await eventually(() => expect(server.registry.get('exported')).toBeUndefined())

    const json = await admin(server, '/api/admin/rooms/exported/export?format=json')
    expect(json.body.content[0]).toMatchObject({ type: 'heading', attrs: { level: 1 } })
    const html = await admin(server, '/api/admin/rooms/exported/export?format=html')
    expect(html.body).toMatch(/^<!doctype html>\n/)
    expect(html.body).toContain('<title>exported</title>')
    expect(html.body).toContain('<body>\n<h1>Title</h1>\n<p>Hello <strong>world</strong></p>\n</body>')
    expect(html.headers.get('content-disposition')).toContain('exported.html')
    expect((await admin(server, '/api/admin/rooms/exported/export?format=markdown')).body).toBe('# Title\n\nHello **world**\n')
    expect((await admin(server, '/api/admin/rooms/exported/export?format=text')).body).toBe('Title\n\nHello world\n')
    expect((await admin(server, '/api/admin/rooms/exported/export?format=pdf')).status).toBe(400)
  })

  it('broadcasts announcements on the broadcast channel', async () => {
    const server = await adminServer()
    const page = await eventsSocket(server.url)
    page.send({ type: 'subscribe', channels: ['broadcast'] })
    await page.waitFor((f) => f.type === 'subscribed')
    const { status } = await admin(server, '/api/admin/broadcast', {
      method: 'POST',
      body: JSON.stringify({ title: 'Maintenance', message: 'Back in 5 minutes' }),
    })
    expect(status).toBe(200)
    expect(await page.waitFor((f) => f.type === 'message')).toMatchObject({
      channel: 'broadcast',
      data: { type: 'announcement', from: 'admin', title: 'Maintenance', message: 'Back in 5 minutes', level: 'info' },
    })
    expect((await admin(server, '/api/admin/broadcast', { method: 'POST', body: JSON.stringify({ message: '' }) })).status).toBe(400)
    expect((await admin(server, '/api/admin/broadcast', { method: 'POST', body: '{' })).status).toBe(400)
  })

  it('mints tokens only in secure mode, with validated claims', async () => {
    const open = await adminServer()
    expect((await admin(open, '/api/admin/tokens', { method: 'POST', body: JSON.stringify({ sub: 'a', name: 'A' }) })).status).toBe(409)
    const secure = await adminServer({ authSecret: SECRET })
    expect((await admin(secure, '/api/admin/tokens', { method: 'POST', body: JSON.stringify({ sub: 'a' }) })).status).toBe(400)
    const { body } = await admin(secure, '/api/admin/tokens', {
      method: 'POST',
      body: JSON.stringify({ sub: 'a', name: 'A', rooms: { '*': 'write' } }),
    })
    const client = await connectClient(secure, 'with-minted', { token: body.token })
    expect(client.provider.wsconnected).toBe(true)
  })

  it('exposes Prometheus metrics', async () => {
    const server = await adminServer({ publishKey: 'metrics-publish-key-000' })
    const client = await connectClient(server, 'measured')
    client.text.insert(0, 'counted')
    // 500 characters typed backwards in one transaction: too many parts to integrate unmeasured.
    client.text.doc!.transact(() => {
      for (let i = 0; i < 500; i++) client.text.insert(0, 'x')
    })
    await eventually(async () => expect(await server.store.info('measured')).not.toBeNull())
    const watcher = await connectClient(server, 'measured')
    await eventually(() => expect(watcher.text.length).toBe(507))
    await fetch(`${server.url}/collab/bad%20name`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } }).catch(() => undefined)
    const { status, body, headers } = await admin(server, '/metrics')
    expect(status).toBe(200)
    expect(headers.get('content-type')).toContain('text/plain')
    expect(body).toMatch(/tandem_connections\{kind="document"\} 2/)
    expect(body).toMatch(/tandem_rooms_loaded 1/)
    expect(body).toMatch(/tandem_updates_persisted_total [1-9]/)
    expect(body).toMatch(/tandem_persist_duration_seconds_count [1-9]/)
    expect(body).toMatch(/tandem_messages_in_total [1-9]/)
    expect(body).toMatch(/tandem_bytes_out_total [1-9]/)
    expect(body).toContain('tandem_notifications_published_total')
    expect(body).toMatch(/tandem_updates_measured_total [1-9]/)
    expect(body).toMatch(/tandem_updates_too_costly_total 0/)

    // The console's headline numbers: the same metrics, as JSON in the shape @tandem/protocol declares.
    const stats = await admin(server, '/api/admin/stats')
    expect(stats.status).toBe(200)
    const headline = adminStatsSchema.parse(stats.body)
    expect(headline).toMatchObject({ documentConnections: 2, eventConnections: 0, roomsLoaded: 1 })
    expect(headline.updatesPersisted).toBeGreaterThan(0)
    expect(headline.meanPersistMs).toBeGreaterThan(0)
    expect(headline.messagesIn).toBeGreaterThan(0)
    expect(headline.refusedConnections).toBe(headline.refusedByReason.reduce((sum, entry) => sum + entry.count, 0))
    expect((await fetch(`${server.url}/api/admin/stats`)).status).toBe(401)
  })
})

describe('admin token bootstrap', () => {
  it('generates a token at first start, prints the admin URL once, and reuses it', async () => {
    const dir = join(dataDir, 'bootstrap')
    const first = await spawnServer({ DATA_DIR: dir, ADMIN_TOKEN: '' })
    const file = join(dir, 'admin-token')
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o077).toBe(0)
    const token = readFileSync(file, 'utf8').trim()
    await eventually(() => expect(first.output()).toContain(`/admin#token=${token}`))
    const rooms = await fetch(`${first.url}/api/admin/rooms`, { headers: { Authorization: `Bearer ${token}` } })
    expect(rooms.status).toBe(200)
    first.child.kill('SIGTERM')
    await first.exited

    const second = await spawnServer({ DATA_DIR: dir, ADMIN_TOKEN: '' })
    expect(second.output()).not.toContain('#token=')
    // The first lines say where to go, who may get in, where the data is and how to administer.
    const firstLines = [
      `Tandem is ready on ${second.url}`,
      'open mode: anyone who can reach this server',
      `documents are stored in ${join(dir, 'tandem.db')}`,
      `admin console: ${second.url}/admin (the token is in ${file})`,
    ]
    await eventually(() => {
      for (const line of firstLines) expect(second.output()).toContain(line)
    })
    expect((await fetch(`${second.url}/api/admin/rooms`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200)
  }, 120_000)
})
