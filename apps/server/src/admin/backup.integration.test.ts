import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { databaseFileIn, openSqliteDatabase } from '../storage/sqlite-database.js'
import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { SqliteImageStore } from '../storage/sqlite-image-store.js'
import { eventually } from '../test-support/eventually.js'
import { spawnServer } from '../test-support/spawn-server.js'
import { connectClient, type TestClient } from '../test-support/stock-client.js'

const ADMIN_TOKEN = 'backup-test-admin-token'
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const dir = mkdtempSync(join(tmpdir(), 'tandem-backup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Copies of the database beside it (made or being sent, or left by a crash). */
const backupCopies = (dataDir: string): string[] => readdirSync(dataDir).filter((name) => name.startsWith('tandem.db.backup-'))

/** The clocks of `doc`'s state vector, by client. */
const clocks = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc))

/** Edit `client`'s text until `running()` says stop, at a pace under the per-connection message limit. */
async function keepEditing(client: TestClient, label: string, running: () => boolean): Promise<void> {
  for (let i = 0; running(); i++) {
    client.text.insert(client.text.length, `<${label}.${i}>`)
    await sleep(10)
  }
}

describe('GET /api/admin/backup', () => {
  it('copies a server under edit: every acknowledged edit and message is in the copy, and a new server restored from it serves them', async () => {
    const liveDir = join(dir, 'live')
    const live = await spawnServer({ DATA_DIR: liveDir, ADMIN_TOKEN })
    const rooms = ['backup-a', 'backup-b']
    const editors = await Promise.all([0, 1, 2, 3, 4].map((i) => connectClient(live, rooms[i % 2]!)))
    // A second client per room: it hears an edit only once the server stored it (stored before relayed).
    const witnesses = await Promise.all(rooms.map((room) => connectClient(live, room)))
    const published: Array<{ id: number; n: number }> = []
    for (let n = 0; n < 20; n++) {
      const response = await fetch(`${live.url}/api/publish`, {
        method: 'POST',
        headers: { ...admin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'news', data: { n } }),
      })
      published.push({ id: ((await response.json()) as { ids: Record<string, number> }).ids.news!, n })
    }

    let editing = true
    const loops = editors.map((editor, index) => keepEditing(editor, `e${index}`, () => editing))
    await eventually(() => {
      for (const witness of witnesses) expect(witness.text.toString().split('<').length).toBeGreaterThan(60)
    })
    // Acknowledged before the request: what the witnesses hold now.
    const acknowledged = witnesses.map((witness) => ({ clocks: clocks(witness.doc), text: witness.text.toString() }))
    const response = await fetch(`${live.url}/api/admin/backup`, { headers: admin })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.sqlite3')
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="tandem-\d{8}T\d{6}Z\.sqlite"$/)
    const copy = Buffer.from(await response.arrayBuffer())
    expect(copy.byteLength).toBe(Number(response.headers.get('content-length')))
    expect(copy.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')
    // Clients kept editing meanwhile, and go on after it.
    const afterwards = witnesses.map((witness) => witness.text.length)
    await eventually(() => witnesses.forEach((witness, index) => expect(witness.text.length).toBeGreaterThan(afterwards[index]!)))
    editing = false
    await Promise.all(loops)
    await eventually(() => expect(backupCopies(liveDir)).toEqual([]))

    // Restore: the file in place as the database of a fresh data directory.
    const restoredDir = join(dir, 'restored')
    mkdirSync(restoredDir)
    writeFileSync(databaseFileIn(restoredDir), copy)
    const restored = await spawnServer({ DATA_DIR: restoredDir, ADMIN_TOKEN })
    for (const [index, room] of rooms.entries()) {
      const reader = await connectClient(restored, room)
      const held = clocks(reader.doc)
      for (const [client, clock] of acknowledged[index]!.clocks)
        expect(held.get(client) ?? 0, `client ${client} in ${room}`).toBeGreaterThanOrEqual(clock)
      const text = reader.text.toString()
      for (const token of acknowledged[index]!.text.match(/<[^>]+>/g)!) expect(text).toContain(token)
    }
    const history = (await (await fetch(`${restored.url}/api/channels/news/messages?since=0&limit=100`)).json()) as {
      messages: Array<{ id: number; data: { n: number } }>
    }
    expect(history.messages.map((message) => ({ id: message.id, n: message.data.n }))).toEqual(published)
  }, 90_000)

  it('needs the admin token, makes one backup at a time, cleans up after aborted downloads and after a crash', async () => {
    const dataDir = join(dir, 'large')
    // Larger than what the sockets between the two can buffer, so a download not read stays in progress.
    await fillWithImages(dataDir, 64)
    const leftover = join(dataDir, `tandem.db.backup-${randomUUID()}.tmp`)
    writeFileSync(leftover, 'what a crash left mid-backup')
    const server = await spawnServer({ DATA_DIR: dataDir, ADMIN_TOKEN })
    expect(existsSync(leftover)).toBe(false)
    const url = `${server.url}/api/admin/backup`

    expect((await fetch(url)).status).toBe(401)
    // HEAD would make a copy nobody reads, holding the slot: refused.
    expect((await fetch(url, { method: 'HEAD', headers: admin })).status).toBe(405)
    expect(backupCopies(dataDir)).toEqual([])
    expect((await fetch(url, { headers: { Authorization: 'Bearer not-the-admin-token' } })).status).toBe(401)

    const first = await fetch(url, { headers: admin })
    expect(first.status).toBe(200)
    const second = await fetch(url, { headers: admin })
    expect(second.status).toBe(409)
    expect(await second.json()).toMatchObject({ error: { code: 'backup_in_progress' } })
    const bytes = (await first.arrayBuffer()).byteLength
    expect(bytes).toBeGreaterThan(64 * 1024 * 1024)
    expect(bytes).toBe(Number(first.headers.get('content-length')))

    // A client that goes away mid-download frees the slot and the disk.
    const abandon = new AbortController()
    const abandoned = await fetch(url, { headers: admin, signal: abandon.signal })
    expect(abandoned.status).toBe(200)
    expect(backupCopies(dataDir)).toHaveLength(1)
    abandon.abort()
    await eventually(() => expect(backupCopies(dataDir)).toEqual([]))
    // The slot is given back right after the copy is removed (a refused try makes nothing).
    let next: Response | undefined
    await eventually(async () => {
      next = await fetch(url, { headers: admin })
      expect(next.status).toBe(200)
    })
    expect((await next!.arrayBuffer()).byteLength).toBe(bytes)
    await eventually(() => expect(backupCopies(dataDir)).toEqual([]))

    // Each backup made is in the audit log, by the administrator; the refused ones are not.
    const audit = (await (await fetch(`${server.url}/api/admin/audit?action=backup`, { headers: admin })).json()) as {
      entries: Array<{ actor: string; action: string; address: string }>
    }
    expect(audit.entries).toHaveLength(3)
    for (const entry of audit.entries)
      expect(entry).toMatchObject({ actor: 'admin', action: 'backup', address: expect.stringMatching(/127\.0\.0\.1/) as string })
  }, 90_000)
})

/** A data directory whose database holds a document with `megabytes` MiB of (incompressible) images. */
async function fillWithImages(dataDir: string, megabytes: number): Promise<void> {
  const db = openSqliteDatabase({ filename: databaseFileIn(dataDir) })
  const store = new SqliteDocumentStore(db)
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'a document with large images')
  await store.appendUpdates([{ name: 'large', updates: [Y.encodeStateAsUpdate(doc)] }])
  const images = new SqliteImageStore(db)
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  for (let i = 0; i < megabytes / 8; i++) {
    await images.put({
      room: 'large',
      contentType: 'image/png',
      data: Buffer.concat([png, randomBytes(8 * 1024 * 1024)]),
      createdAt: Date.now(),
    })
  }
  await store.close()
  db.close()
}
