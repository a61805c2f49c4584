import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import type pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { spawnServer } from '../test-support/spawn-server.js'
import { connectClient } from '../test-support/stock-client.js'
import type { DocumentStore } from './document-store.js'
import { migrateStore, storeLocation } from './migrate-store.js'
import { StoreInUseError } from './migration-side.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { type Database, databaseFileIn, openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'

const ADMIN_TOKEN = 'migrate-store-admin-token'
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const dir = mkdtempSync(join(tmpdir(), 'tandem-migrate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What a store loads for `name`, as one update (`null` when it loads nothing). */
async function loaded(store: DocumentStore, name: string): Promise<Uint8Array | null> {
  const stored = await store.load(name)
  if (!stored) return null
  return Y.mergeUpdates(stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates)
}

/** Every row of the PostgreSQL tables a copy writes (node_epoch aside), and the next ids: to tell whether a run changed anything. */
async function postgresContents(pool: pg.Pool): Promise<unknown> {
  const tables = [
    'documents',
    'document_log',
    'document_versions',
    'document_images',
    'document_search',
    'deleted_documents',
    'channels',
    'channel_messages',
    'message_counter',
    'retention_floor',
    'publish_idempotency',
    'audit_log',
  ]
  const contents: Record<string, unknown> = {}
  for (const table of tables) contents[table] = (await pool.query(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows
  contents.sequences = (
    await pool.query(`SELECT pg_sequence_last_value(pg_get_serial_sequence('document_versions', 'id')::regclass) AS versions,
      pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')::regclass) AS audit`)
  ).rows
  return contents
}

/** The ids of a numbered table, in order. */
const idsOf = (db: Database, table: string): number[] =>
  (db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as Array<{ id: number }>).map((row) => row.id)

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

describe.skipIf(!databaseUrl)('moving a data set between SQLite and PostgreSQL', () => {
  const database = PostgresTestDatabase.create()

  it('SQLite → PostgreSQL → SQLite: the same document states byte for byte and the same ids at each hop, idempotent, and a server on the copy serves it all', async () => {
    // Filled through a real server: edits past a compaction, versions, an image, messages, the trash.
    const dataDir = join(dir, 'source')
    const source = await spawnServer({ DATA_DIR: dataDir, ADMIN_TOKEN, COMPACT_MAX_ROWS: '20', VERSION_IDLE_MS: '100' })
    const alpha = await connectClient(source, 'alpha')
    const alphaWitness = await connectClient(source, 'alpha')
    for (let i = 0; i < 70; i++) {
      alpha.text.insert(alpha.text.length, `word${i} `)
      await sleep(5)
    }
    await eventually(() => expect(alphaWitness.text.toString()).toBe(alpha.text.toString()))
    await eventually(async () =>
      expect(
        ((await (await fetch(`${source.url}/api/rooms/alpha/versions`)).json()) as { versions: unknown[] }).versions.length,
      ).toBeGreaterThan(0),
    )
    alpha.text.insert(0, 'Named: ')
    await eventually(() => expect(alphaWitness.text.toString()).toBe(alpha.text.toString()))
    expect((await post(`${source.url}/api/rooms/alpha/versions`, { name: 'the named one' })).status).toBe(201)
    const beta = await connectClient(source, 'beta')
    for (let i = 0; i < 5; i++) beta.text.insert(0, `beta${i} `)
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really pixels')])
    const upload = await fetch(`${source.url}/api/rooms/beta/images`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: png,
    })
    expect(upload.status).toBe(201)
    const image = (await upload.json()) as { id: string }
    expect(
      (await post(`${source.url}/api/rooms`, { name: 'gamma', content: { format: 'markdown', text: '# Gamma\n\nImported text.' } })).status,
    ).toBe(201)
    for (const name of ['trashed', 'purged']) {
      const client = await connectClient(source, name)
      client.text.insert(0, `${name} text`)
      await eventually(async () => expect((await fetch(`${source.url}/api/rooms/${name}/export?format=text`)).status).toBe(200))
      client.provider.destroy()
    }
    expect((await fetch(`${source.url}/api/rooms/trashed`, { method: 'DELETE' })).status).toBe(200)
    for (let n = 0; n < 30; n++) expect((await post(`${source.url}/api/publish`, { channel: 'news', data: { n } }, admin)).status).toBe(200)
    expect(
      (await post(`${source.url}/api/publish`, { channels: ['other', 'news'], data: 'twice', idempotencyKey: 'k1' }, admin)).status,
    ).toBe(200)
    // Killed, not stopped: a shutdown would compact every log, and the copy must merge snapshot and log itself.
    await source.kill()

    const db = openSqliteDatabase({ filename: databaseFileIn(dataDir) })
    const sqlite = new SqliteDocumentStore(db)
    expect(await sqlite.delete('purged')).toBe(true)
    const alphaRow = db
      .prepare(`SELECT snapshot IS NOT NULL AS compacted, log_floor AS floor FROM documents WHERE name = 'alpha'`)
      .get() as {
      compacted: number
      floor: number
    }
    expect(alphaRow).toMatchObject({ compacted: 1, floor: expect.any(Number) })
    expect(alphaRow.floor).toBeGreaterThan(0)
    const names = ['alpha', 'beta', 'gamma']
    const original = new Map<string, Uint8Array | null>()
    for (const name of names) original.set(name, await loaded(sqlite, name))
    const alphaLog = (db.prepare(`SELECT count(*) AS n FROM document_log WHERE name = 'alpha'`).get() as { n: number }).n
    expect(alphaLog).toBeGreaterThan(0)
    const ids = Object.fromEntries(['document_versions', 'channel_messages', 'audit_log'].map((table) => [table, idsOf(db, table)]))
    const alphaVersions = (
      db.prepare(`SELECT id FROM document_versions WHERE name = 'alpha' ORDER BY id DESC`).all() as Array<{ id: number }>
    ).map((row) => row.id)
    expect(alphaVersions.length).toBeGreaterThan(0)
    expect(ids.channel_messages!.length).toBeGreaterThan(30)
    await sqlite.close()
    db.close()

    // To PostgreSQL.
    const pool = await database.pool('moved')
    const postgres = new PostgresDocumentStore(pool)
    const toPostgres = { from: storeLocation(dataDir), to: storeLocation(database.url, 'moved') }
    const lines: string[] = []
    const first = await migrateStore({ ...toPostgres, onProgress: (line) => lines.push(line) })
    expect(first.differences).toEqual([])
    expect(first).toMatchObject({ documents: 4, written: 4, replaced: [] })
    expect(lines).toContain('documents 4/4')
    expect(lines).toContain(`channel_messages ${ids.channel_messages!.length}/${ids.channel_messages!.length}`)
    for (const name of names) {
      expect(Buffer.from((await loaded(postgres, name))!).equals(original.get(name)!), name).toBe(true)
      expect((await postgres.load(name))!.updates, `${name}'s log`).toEqual([])
    }
    expect(await postgres.trashed('trashed')).toMatchObject({ trashedBy: expect.any(String) })
    expect(await postgres.deletedAt('purged')).toEqual(expect.any(Number))
    for (const table of ['document_versions', 'channel_messages', 'audit_log']) {
      expect(
        (await pool.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((row) => row.id),
        table,
      ).toEqual(ids[table])
    }
    const alphaHead = (
      await pool.query<{ floor: number; last: number }>(`SELECT log_floor AS floor, last_seq AS last FROM documents WHERE name = 'alpha'`)
    ).rows[0]!
    expect(alphaHead.floor).toBe(alphaRow.floor + alphaLog)
    expect(alphaHead.last).toBe(alphaHead.floor)

    // Again: nothing changes.
    const before = await postgresContents(pool)
    const second = await migrateStore(toPostgres)
    expect(second).toMatchObject({ documents: 4, written: 0, replaced: [], differences: [] })
    expect(await postgresContents(pool)).toEqual(before)

    // Back to a fresh SQLite data directory.
    const backDir = join(dir, 'back')
    const third = await migrateStore({ from: storeLocation(database.url, 'moved'), to: storeLocation(backDir) })
    expect(third).toMatchObject({ documents: 4, written: 4, differences: [] })
    const backDb = openSqliteDatabase({ filename: databaseFileIn(backDir) })
    const back = new SqliteDocumentStore(backDb)
    for (const name of names) expect(Buffer.from((await loaded(back, name))!).equals(original.get(name)!), name).toBe(true)
    for (const table of ['document_versions', 'channel_messages', 'audit_log']) expect(idsOf(backDb, table), table).toEqual(ids[table])
    // The trashed document kept its state too: restored, it loads as it was.
    const sourceDb = openSqliteDatabase({ filename: databaseFileIn(dataDir) })
    const sourceStore = new SqliteDocumentStore(sourceDb)
    expect(await sourceStore.restore('trashed')).toBe(true)
    expect(await back.restore('trashed')).toBe(true)
    expect(Buffer.from((await loaded(back, 'trashed'))!).equals((await loaded(sourceStore, 'trashed'))!)).toBe(true)
    expect(await back.trash('trashed', 'admin')).toBe(true)
    await sourceStore.close()
    sourceDb.close()
    await back.close()
    backDb.close()

    // A server on the PostgreSQL copy serves it all, and its new ids come after the copied ones.
    const onCopy = await spawnServer({
      DATA_DIR: join(dir, 'unused'),
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'moved',
      REDIS_URL: '',
      ADMIN_TOKEN,
    })
    for (const name of names) {
      const reader = await connectClient(onCopy, name)
      const expected = new Y.Doc()
      Y.applyUpdate(expected, original.get(name)!)
      expect(Y.equalSnapshots(Y.snapshot(reader.doc), Y.snapshot(expected)), name).toBe(true)
    }
    expect((await connectClient(onCopy, 'alpha')).text.toString()).toBe(alpha.text.toString())
    const served = await fetch(`${onCopy.url}/api/rooms/beta/images/${image.id}`)
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true)
    const versions = (await (await fetch(`${onCopy.url}/api/rooms/alpha/versions`)).json()) as { versions: Array<{ id: number }> }
    expect(versions.versions.map((version) => version.id)).toEqual(alphaVersions)
    const history = (await (await fetch(`${onCopy.url}/api/channels/news/messages?since=0&limit=1000`)).json()) as {
      messages: Array<{ id: number }>
    }
    expect(history.messages).toHaveLength(31)
    const published = (await (await post(`${onCopy.url}/api/publish`, { channel: 'news', data: 'after the move' }, admin)).json()) as {
      ids: Record<string, number>
    }
    expect(published.ids.news).toBeGreaterThan(Math.max(...ids.channel_messages!))
    // The search index was not copied: the server indexed the documents at start.
    await eventually(async () => {
      const found = (await (await fetch(`${onCopy.url}/api/rooms?q=imported`)).json()) as { rooms: Array<{ name: string }> }
      expect(found.rooms.map((room) => room.name)).toEqual(['gamma'])
    })
  }, 120_000)

  it('replaces a document the destination holds with another state, reports what only the destination holds, and fails verification for it', async () => {
    const file = join(dir, 'replace', 'tandem.db')
    const sqlite = new SqliteDocumentStore({ filename: file })
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'the source says this')
    await sqlite.appendUpdates([{ name: 'x', updates: [Y.encodeStateAsUpdate(doc)] }])
    await sqlite.close()
    const pool = await database.pool('replaced')
    const to = storeLocation(database.url, 'replaced')
    expect((await migrateStore({ from: storeLocation(file), to })).differences).toEqual([])

    // Someone wrote to the destination since: another state for x, and a document of its own.
    const postgres = new PostgresDocumentStore(pool)
    const other = new Y.Doc()
    other.getText('t').insert(0, 'the destination says that')
    await postgres.appendUpdates([
      { name: 'x', updates: [Y.encodeStateAsUpdate(other)] },
      { name: 'only-there', updates: [Y.encodeStateAsUpdate(other)] },
    ])
    const headBefore = (await postgres.load('x'))!.lastSeq
    const again = await migrateStore({ from: storeLocation(file), to })
    expect(again.replaced).toEqual(['x'])
    expect(again.differences).toEqual(['document only-there: only at the destination'])
    expect(Buffer.from((await loaded(postgres, 'x'))!).equals(Y.encodeStateAsUpdate(doc))).toBe(true)
    // Numbering goes on after the rows the destination had written.
    expect((await postgres.load('x'))!.lastSeq).toBe(headBefore)
  })

  it('refuses a SQLite file or a PostgreSQL schema a running server holds', async () => {
    const dataDir = join(dir, 'busy')
    const server = await spawnServer({ DATA_DIR: dataDir })
    await post(`${server.url}/api/rooms`, { name: 'busy' })
    await database.pool('busy')
    await expect(migrateStore({ from: storeLocation(dataDir), to: storeLocation(database.url, 'busy') })).rejects.toThrow(
      /tandem\.db is open in another process .*stop it first/,
    )
    const idle = join(dir, 'idle.db')
    await new SqliteDocumentStore({ filename: idle }).close()
    await expect(migrateStore({ from: storeLocation(idle), to: storeLocation(dataDir) })).rejects.toBeInstanceOf(StoreInUseError)
    await server.stop()

    await spawnServer({ DATA_DIR: join(dir, 'node'), DATABASE_URL: database.url, DATABASE_SCHEMA: 'busy', REDIS_URL: '' })
    await expect(migrateStore({ from: storeLocation(dataDir), to: storeLocation(database.url, 'busy') })).rejects.toThrow(
      /another Tandem node already serves schema busy.*stop it first/,
    )
  }, 60_000)
})
