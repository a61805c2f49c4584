import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { CloseCode } from '@tandem/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { openSqliteDatabase } from '../storage/sqlite-database.js'
import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const SECRET = 'operations-test-auth-secret-0123456789abcdef'
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-operations-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
let databases = 0

/** A server on a SQLite file of its own, as `npm start` runs. */
async function sqliteServer(overrides = {}): Promise<TestServer> {
  const db = openSqliteDatabase({ filename: join(dataDir, `db-${++databases}`, 'tandem.db') })
  const store = new SqliteDocumentStore(db)
  const server = await startTestServer({ adminToken: ADMIN, versionIdleMs: 100, ...overrides }, store)
  return server
}

async function call(server: TestServer, path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers)
  if (init.token !== null) headers.set('Authorization', `Bearer ${init.token ?? ADMIN}`)
  if (init.body) headers.set('Content-Type', 'application/json')
  const response = await fetch(`${server.url}${path}`, { ...init, headers })
  const text = await response.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {
    // an export
  }
  return { status: response.status, body }
}

/** The text of `room` as stored: snapshot and log applied to a fresh document. */
async function storedText(server: TestServer, room: string): Promise<string | null> {
  const stored = await server.store.load(room)
  if (!stored) return null
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

describe('the trash', () => {
  it('keeps a deleted document whole, tells those in it, and restores it with its versions', async () => {
    const server = await sqliteServer()
    const writer = await connectClient(server, 'plans')
    writer.text.insert(0, 'Q3 plans: ship the trash')
    await eventually(async () => expect(await storedText(server, 'plans')).toBe('Q3 plans: ship the trash'))
    await eventually(async () => expect((await call(server, '/api/rooms/plans/versions')).body.versions.length).toBeGreaterThan(0))
    const versions = (await call(server, '/api/rooms/plans/versions')).body.versions.length
    const versionId = (await call(server, '/api/rooms/plans/versions')).body.versions[0].id
    expect((await call(server, `/api/rooms/plans/versions/${versionId}?format=text`)).status).toBe(200)

    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      writer.provider.ws!.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
    )
    expect(await call(server, '/api/admin/rooms/plans', { method: 'DELETE' })).toMatchObject({ status: 200, body: { deleted: 'plans' } })
    expect(await closed).toEqual({ code: CloseCode.RoomDeleted, reason: 'deleted by an administrator' })
    writer.provider.destroy()

    // Gone from every list, its link says deleted, and its name cannot be taken meanwhile.
    expect((await call(server, '/api/rooms')).body.rooms).toEqual([])
    expect((await call(server, '/api/admin/rooms')).body.rooms).toEqual([])
    expect(answer(await upgradeAttempt(server.url, '/collab/plans'))).toEqual({ close: CloseCode.RoomDeleted })
    expect(await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'plans' }) })).toMatchObject({
      status: 409,
      body: { error: { code: 'room_in_trash' } },
    })
    expect((await call(server, '/api/rooms/plans/versions')).status).toBe(404)
    expect((await call(server, `/api/rooms/plans/versions/${versionId}?format=text`)).status).toBe(404)
    expect((await call(server, '/api/rooms/plans/export?format=text')).status).toBe(404)

    const trash = await call(server, '/api/admin/trash')
    expect(trash.body.retentionMs).toBe(30 * 86_400_000)
    expect(trash.body.rooms).toEqual([expect.objectContaining({ name: 'plans', trashedBy: 'admin', bytes: expect.any(Number) as number })])
    expect(trash.body.rooms[0].purgeAt).toBe(trash.body.rooms[0].trashedAt + 30 * 86_400_000)

    expect(await call(server, '/api/admin/trash/plans/restore', { method: 'POST' })).toMatchObject({
      status: 200,
      body: { restored: 'plans' },
    })
    expect((await call(server, '/api/admin/trash')).body.rooms).toEqual([])
    const reader = await connectClient(server, 'plans')
    expect(reader.text.toString()).toBe('Q3 plans: ship the trash')
    expect((await call(server, '/api/rooms/plans/versions')).body.versions).toHaveLength(versions)
    expect((await call(server, '/api/admin/trash/plans/restore', { method: 'POST' })).status).toBe(404)
  })

  it('takes a writer’s delete too, and purges for good', async () => {
    const server = await sqliteServer()
    const writer = await connectClient(server, 'draft')
    writer.text.insert(0, 'temporary')
    await eventually(async () => expect(await storedText(server, 'draft')).toBe('temporary'))
    writer.provider.destroy()

    expect((await call(server, '/api/rooms/draft', { method: 'DELETE', token: null })).status).toBe(200)
    expect((await call(server, '/api/admin/trash')).body.rooms).toEqual([
      expect.objectContaining({ name: 'draft', trashedBy: 'anonymous' }),
    ])
    expect((await call(server, '/api/admin/trash/draft', { method: 'DELETE', token: null })).status).toBe(401)
    expect(await call(server, '/api/admin/trash/draft', { method: 'DELETE' })).toMatchObject({ status: 200, body: { purged: 'draft' } })
    expect((await call(server, '/api/admin/trash')).body.rooms).toEqual([])
    expect((await call(server, '/api/admin/trash/draft/restore', { method: 'POST' })).status).toBe(404)
    expect((await call(server, '/api/admin/trash/draft', { method: 'DELETE' })).status).toBe(404)
    expect(await server.store.count()).toBe(0)
    // Purged, the name is free again, and starts empty.
    expect((await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'draft' }) })).status).toBe(201)
    const fresh = await connectClient(server, 'draft')
    expect(fresh.text.toString()).toBe('')
  })
})

describe('trash retention', () => {
  it('purges what stayed past TRASH_RETENTION when the server starts (and hourly), and records it', async () => {
    const db = openSqliteDatabase({ filename: join(dataDir, `db-${++databases}`, 'tandem.db') })
    const store = new SqliteDocumentStore(db)
    const first = await startTestServer({ adminToken: ADMIN, trashRetentionMs: 50 }, store, { closeStore: false })
    const writer = await connectClient(first, 'stale')
    writer.text.insert(0, 'old news')
    await eventually(async () => expect(await storedText(first, 'stale')).toBe('old news'))
    writer.provider.destroy()
    expect((await call(first, '/api/rooms/stale', { method: 'DELETE' })).status).toBe(200)
    expect((await call(first, '/api/admin/trash')).body.rooms).toHaveLength(1)
    await first.close()

    await eventually(async () => expect(Date.now() - (await store.deletedAt('stale'))!).toBeGreaterThan(50))
    const second = await startTestServer({ adminToken: ADMIN, trashRetentionMs: 50 }, store)
    await eventually(async () => expect((await call(second, '/api/admin/trash')).body.rooms).toEqual([]))
    expect(await store.count()).toBe(0)
    const { body } = await call(second, '/api/admin/audit?action=trash')
    expect(body.entries).toEqual([expect.objectContaining({ actor: 'system', action: 'trash.expire', target: 'stale', address: null })])
    expect(body.entries[0].detail).toMatchObject({ trashedBy: 'anonymous' })
    // The link still says deleted.
    expect(answer(await upgradeAttempt(second.url, '/collab/stale'))).toEqual({ close: CloseCode.RoomDeleted })
  })
})

describe('the audit log', () => {
  it('records each admin action with actor, target and address, pages and filters, and never a secret', async () => {
    const server = await sqliteServer({ authSecret: SECRET })
    const minted = await call(server, '/api/admin/tokens', {
      method: 'POST',
      body: JSON.stringify({ sub: 'bob', name: 'Bob', rooms: { 'team-*': 'write' }, ttlSeconds: 600 }),
    })
    expect(minted.status).toBe(200)
    const created = await call(server, '/api/rooms', {
      method: 'POST',
      body: JSON.stringify({ name: 'team-minutes' }),
      token: minted.body.token,
    })
    expect(created.status).toBe(201)
    expect((await call(server, '/api/admin/rooms/team-minutes/export?format=markdown')).status).toBe(200)
    expect(
      (
        await call(server, '/api/admin/broadcast', {
          method: 'POST',
          body: JSON.stringify({ title: 'Heads up', message: 'maintenance at 6' }),
        })
      ).status,
    ).toBe(200)
    expect((await call(server, '/api/admin/rooms/team-minutes', { method: 'DELETE' })).status).toBe(200)
    expect((await call(server, '/api/admin/trash/team-minutes/restore', { method: 'POST' })).status).toBe(200)
    // A writer deletes it again, as themselves.
    expect((await call(server, '/api/rooms/team-minutes', { method: 'DELETE', token: minted.body.token })).status).toBe(200)
    expect((await call(server, '/api/admin/trash/team-minutes', { method: 'DELETE' })).status).toBe(200)

    expect((await call(server, '/api/admin/audit', { token: null })).status).toBe(401)
    const { body } = await call(server, '/api/admin/audit')
    expect(body.retentionMs).toBe(365 * 86_400_000)
    expect(body.entries.map((e: { action: string }) => e.action)).toEqual([
      'trash.purge',
      'room.delete',
      'trash.restore',
      'room.delete',
      'broadcast',
      'room.export',
      'token.mint',
    ])
    expect(body.entries[1]).toMatchObject({ actor: 'user:bob', target: 'team-minutes' })
    for (const entry of body.entries) {
      if (entry !== body.entries[1]) expect(entry.actor).toBe('admin')
      expect(entry.address).toMatch(/127\.0\.0\.1/)
      expect(entry.at).toBeGreaterThan(Date.now() - 60_000)
    }
    expect(body.entries[6]).toMatchObject({ target: 'user:bob', detail: { ttlSeconds: 600, rooms: { 'team-*': 'write' } } })
    expect(body.entries[5]).toMatchObject({ target: 'team-minutes', detail: { format: 'markdown' } })
    expect(JSON.stringify(body)).not.toContain(minted.body.token)
    expect(JSON.stringify(body)).not.toContain(ADMIN)

    const first = await call(server, '/api/admin/audit?limit=3')
    expect(first.body.entries).toHaveLength(3)
    const second = await call(server, `/api/admin/audit?limit=3&cursor=${first.body.nextCursor}`)
    const third = await call(server, `/api/admin/audit?limit=3&cursor=${second.body.nextCursor}`)
    expect([...first.body.entries, ...second.body.entries, ...third.body.entries]).toEqual(body.entries)
    expect(third.body.nextCursor).toBeNull()

    const trash = await call(server, '/api/admin/audit?action=trash')
    expect(trash.body.entries.map((e: { action: string }) => e.action)).toEqual(['trash.purge', 'trash.restore'])
    const bob = await call(server, '/api/admin/audit?q=BOB')
    expect(bob.body.entries.map((e: { action: string }) => e.action)).toEqual(['room.delete', 'token.mint'])
    expect((await call(server, '/api/admin/audit?action=DROP%20TABLE')).status).toBe(400)
    expect((await call(server, '/api/admin/audit?cursor=abc')).status).toBe(400)
  })
})

describe('quotas', () => {
  it('refuses the edit that would fill a document, stores nothing of it, and leaves other rooms alone', async () => {
    const server = await sqliteServer({ maxDocumentBytes: 64 * 1024 })
    const writer = await connectClient(server, 'big')
    const other = await connectClient(server, 'small')
    // Random letters, new each time: compaction cannot shrink them much, so the document really fills.
    const chunk = (): string => randomBytes(8000).toString('base64') // ~10.7 KB
    let closed: { code: number; reason: string } | null = null
    writer.provider.ws!.addEventListener('close', (event) => (closed ??= { code: event.code, reason: event.reason }))
    // Each chunk is stored before the next goes, until one would pass 64 KiB.
    let accepted = ''
    for (let i = 0; i < 10 && !closed; i++) {
      const before = accepted
      const added = chunk()
      writer.text.insert(writer.text.length, added)
      await eventually(async () => {
        if (closed) return
        expect(await storedText(server, 'big')).toBe(before + added)
      })
      if (!closed) accepted = before + added
    }
    await eventually(() => expect(closed).not.toBeNull())
    writer.provider.destroy()
    expect(closed).toEqual({ code: CloseCode.DocumentFull, reason: expect.stringMatching(/full.*MAX_DOCUMENT_BYTES/) as string })
    expect(accepted.length).toBeGreaterThan(40_000)
    expect(await storedText(server, 'big')).toBe(accepted)
    expect((await server.store.info('big'))!.bytes).toBeLessThanOrEqual(64 * 1024)

    // The other room still takes edits; the full one still takes deletions.
    other.text.insert(0, 'still fine')
    await eventually(async () => expect(await storedText(server, 'small')).toBe('still fine'))
    const editor = await connectClient(server, 'big')
    expect(editor.text.toString()).toBe(accepted)
    editor.text.delete(0, 10_000)
    await eventually(async () => expect(await storedText(server, 'big')).toBe(accepted.slice(10_000)))

    const metrics = await call(server, '/api/admin/stats')
    expect(JSON.stringify(metrics.body)).toContain('document_full')
    const quotas = await call(server, '/api/admin/quotas')
    expect(quotas.body).toMatchObject({ maxDocumentBytes: 64 * 1024, rooms: 2, trashed: 0 })
    expect(quotas.body.largest[0].name).toBe('big')
  })

  it('counts a document as Yjs encodes it, not as compressed: text that compresses well fills it too', async () => {
    const server = await sqliteServer({ maxDocumentBytes: 64 * 1024 })
    const writer = await connectClient(server, 'zeros')
    let closed: number | null = null
    writer.provider.ws!.addEventListener('close', (event) => (closed ??= event.code))
    writer.text.insert(0, 'a'.repeat(30_000))
    await eventually(async () => expect((await storedText(server, 'zeros'))?.length).toBe(30_000))
    writer.text.insert(30_000, 'a'.repeat(30_000))
    await eventually(async () => expect((await storedText(server, 'zeros'))?.length).toBe(60_000))
    // Compacted, 60,000 letters take a few hundred bytes on disk; they still count as 60,000.
    await eventually(async () => expect((await server.store.info('zeros'))!.bytes).toBeLessThan(2_000))
    writer.text.insert(60_000, 'a'.repeat(30_000))
    await eventually(() => expect(closed).toBe(CloseCode.DocumentFull))
    writer.provider.destroy()
    expect((await storedText(server, 'zeros'))?.length).toBe(60_000)
  })

  it('refuses an import larger than a document may be', async () => {
    const server = await sqliteServer({ maxDocumentBytes: 64 * 1024 })
    const content = { format: 'text', text: 'words and more words\n'.repeat(5000) }
    const created = await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'huge', content }) })
    expect(created).toMatchObject({ status: 413, body: { error: { code: 'document_too_large' } } })
    expect(await server.store.info('huge')).toBeNull()
  })

  it('refuses a new document past MAX_ROOMS, over HTTP and over a socket, counting the trash', async () => {
    const server = await sqliteServer({ maxRooms: 2 })
    expect((await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'one' }) })).status).toBe(201)
    expect((await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'two' }) })).status).toBe(201)
    expect(await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'three' }) })).toMatchObject({
      status: 507,
      body: { error: { code: 'too_many_rooms' } },
    })
    expect(answer(await upgradeAttempt(server.url, '/collab/three'))).toEqual({ close: CloseCode.ServerFull })
    // Opening a stored one is never refused; deleting keeps it counted until it is purged.
    expect(answer(await upgradeAttempt(server.url, '/collab/one'))).toEqual({ status: 101 })
    expect((await call(server, '/api/rooms/two', { method: 'DELETE' })).status).toBe(200)
    expect((await call(server, '/api/admin/quotas')).body).toMatchObject({ maxRooms: 2, rooms: 2, trashed: 1 })
    expect((await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'three' }) })).status).toBe(507)
    expect((await call(server, '/api/admin/trash/two', { method: 'DELETE' })).status).toBe(200)
    // The console's reading counts again at once.
    expect((await call(server, '/api/admin/quotas')).body).toMatchObject({ rooms: 1, trashed: 0 })
    expect((await call(server, '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'three' }) })).status).toBe(201)
  })
})
