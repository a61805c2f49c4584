import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'

import { describeDocumentStore } from './document-store.contract.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { migrate, SCHEMA_VERSION } from './sqlite-migrations.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-sqlite-'))
let counter = 0
const freshFile = (): string => join(dir, `store-${++counter}`, 'tandem.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeDocumentStore('sqlite', async () => new SqliteDocumentStore({ filename: freshFile() }))

describe('SqliteDocumentStore', () => {
  it('keeps documents across close and reopen, in WAL mode', async () => {
    const filename = freshFile()
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'persisted')
    const first = new SqliteDocumentStore({ filename })
    await first.appendUpdates([{ name: 'a', updates: [Y.encodeStateAsUpdate(doc)] }])
    await first.close()

    const second = new SqliteDocumentStore({ filename })
    const stored = await second.load('a')
    const copy = new Y.Doc()
    for (const update of stored!.updates) Y.applyUpdate(copy, update)
    expect(copy.getText('t').toString()).toBe('persisted')
    await second.close()

    const raw = new BetterSqlite3(filename, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    raw.close()
  })

  it('gives the pages of a compacted log back to the file system, so the file shrinks', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const store = new SqliteDocumentStore(db)
    try {
      const doc = new Y.Doc()
      const updates: Uint8Array[] = []
      doc.on('update', (update: Uint8Array) => updates.push(update))
      for (let i = 0; i < 3000; i++) doc.getText('t').insert(0, `line ${i} `)
      const [appended] = await store.appendUpdates([{ name: 'a', updates }])
      const pagesWithLog = db.pragma('page_count', { simple: true }) as number
      await store.compact('a', await store.packSnapshot(Y.encodeStateAsUpdate(doc)), appended!.lastSeq)
      expect(db.pragma('freelist_count', { simple: true })).toBe(0)
      // Without reclaiming, the file keeps every page and the freed ones sit on the free list.
      const pages = db.pragma('page_count', { simple: true }) as number
      expect(pages).toBeLessThan(pagesWithLog * 0.75)
      // What is left is the document.
      const copy = new Y.Doc()
      Y.applyUpdate(copy, (await store.load('a'))!.snapshot!)
      expect(copy.getText('t').toString()).toBe(doc.getText('t').toString())
      expect(await store.delete('a')).toBe(true)
      expect(db.pragma('page_count', { simple: true })).toBeLessThan(pages)
    } finally {
      db.close()
    }
  })

  it('stores a large snapshot deflated, a small one as it is, and says so in each row', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const store = new SqliteDocumentStore(db)
    try {
      const large = new Y.Doc()
      for (let i = 0; i < 2000; i++) large.getText('t').insert(0, `word${i % 50} `)
      const small = new Y.Doc()
      small.getText('t').insert(0, 'hi')
      const largeSnapshot = Y.encodeStateAsUpdate(large)
      for (const [name, doc] of [
        ['large', large],
        ['small', small],
      ] as const) {
        const [appended] = await store.appendUpdates([{ name, updates: [Y.encodeStateAsUpdate(doc)] }])
        await store.compact(name, await store.packSnapshot(Y.encodeStateAsUpdate(doc)), appended!.lastSeq)
      }
      const rows = db.prepare('SELECT name, snapshot_encoding AS encoding, snapshot_bytes AS bytes FROM documents ORDER BY name').all()
      expect(rows).toEqual([
        { name: 'large', encoding: 1, bytes: expect.any(Number) as number },
        { name: 'small', encoding: 0, bytes: Y.encodeStateAsUpdate(small).byteLength },
      ])
      expect((rows[0] as { bytes: number }).bytes).toBeLessThan(largeSnapshot.byteLength / 3)
      expect((await store.load('large'))?.snapshot).toEqual(largeSnapshot)
    } finally {
      db.close()
    }
  })

  it('keeps working on a database made before it reclaimed pages, which keeps them', async () => {
    const filename = freshFile()
    mkdirSync(dirname(filename), { recursive: true })
    const raw = new BetterSqlite3(filename)
    raw.pragma('journal_mode = WAL')
    raw.exec('CREATE TABLE earlier (x INTEGER)')
    raw.close()
    const db = openSqliteDatabase({ filename })
    const store = new SqliteDocumentStore(db)
    try {
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(0)
      const doc = new Y.Doc()
      doc.getText('t').insert(0, 'kept')
      const [appended] = await store.appendUpdates([{ name: 'a', updates: [Y.encodeStateAsUpdate(doc)] }])
      await store.compact('a', await store.packSnapshot(Y.encodeStateAsUpdate(doc)), appended!.lastSeq)
      const copy = new Y.Doc()
      Y.applyUpdate(copy, (await store.load('a'))!.snapshot!)
      expect(copy.getText('t').toString()).toBe('kept')
    } finally {
      db.close()
    }
  })

  it('counts the log itself on the first append after a crash left the row behind, and reads rows up to date', async () => {
    const filename = freshFile()
    const update = (i: number): Uint8Array => new Uint8Array([i, i, i])
    const first = new SqliteDocumentStore({ filename })
    await first.appendUpdates([{ name: 'a', updates: [update(1), update(2)] }])
    // Within the interval the row takes no totals: what info() reads is written first.
    await first.appendUpdates([{ name: 'a', updates: [update(3)] }])
    expect(await first.info('a')).toMatchObject({ logRows: 3, logBytes: 9 })
    await first.close()
    // What a crash between two writes of the totals leaves: the row behind the log.
    const raw = new BetterSqlite3(filename)
    raw.prepare('UPDATE documents SET log_rows = 1, log_bytes = 3 WHERE name = ?').run('a')
    raw.close()
    const reader = new SqliteDocumentStore({ filename })
    try {
      // Loading it finds the row behind and puts it right before anything reads it.
      expect((await reader.load('a'))?.updates).toHaveLength(3)
      expect(await reader.info('a')).toMatchObject({ logRows: 3, logBytes: 9 })
    } finally {
      await reader.close()
    }
    const again = new BetterSqlite3(filename)
    again.prepare('UPDATE documents SET log_rows = 1, log_bytes = 3 WHERE name = ?').run('a')
    again.close()
    const second = new SqliteDocumentStore({ filename })
    try {
      const [result] = await second.appendUpdates([{ name: 'a', updates: [update(4)] }])
      expect(result).toMatchObject({ logRows: 4, logBytes: 12 })
      expect(await second.info('a')).toMatchObject({ logRows: 4, logBytes: 12 })
      expect((await second.list()).map(({ name, logRows }) => ({ name, logRows }))).toEqual([{ name: 'a', logRows: 4 }])
    } finally {
      await second.close()
    }
  })

  it('still answers info and list when the totals it owes cannot be written, and writes them later', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const store = new SqliteDocumentStore(db)
    const other = new BetterSqlite3(filename)
    try {
      await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([1])] }])
      await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([2])] }])
      // Another connection holds the write lock, and this one does not wait for it.
      db.pragma('busy_timeout = 0')
      other.exec('BEGIN IMMEDIATE')
      expect(await store.info('a')).toMatchObject({ name: 'a', logRows: 1 })
      expect((await store.list()).map((info) => info.name)).toEqual(['a'])
      other.exec('COMMIT')
      expect(await store.info('a')).toMatchObject({ logRows: 2 })
    } finally {
      other.close()
      db.close()
    }
  })

  it('writes the totals to the row at most once a second while updates stream in', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const store = new SqliteDocumentStore(db)
    // The clock stands still, so that a slow moment of the machine cannot pass the interval.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 })
    try {
      const rowTotals = (): unknown => db.prepare('SELECT log_rows AS rows FROM documents WHERE name = ?').get('a')
      await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([1])] }])
      expect(rowTotals()).toEqual({ rows: 1 })
      for (let i = 0; i < 5; i++) await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([2])] }])
      // Still the first commit's figures in the row, the store's own answers up to date.
      expect(rowTotals()).toEqual({ rows: 1 })
      const [result] = await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([3])] }])
      expect(result!.logRows).toBe(7)
      vi.setSystemTime(1_001_000)
      await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([4])] }])
      expect(rowTotals()).toEqual({ rows: 8 })
      await store.appendUpdates([{ name: 'a', updates: [new Uint8Array([5])] }])
      await store.close()
      expect(rowTotals()).toEqual({ rows: 9 })
    } finally {
      vi.useRealTimers()
      db.close()
    }
  })

  it('loads a snapshot stored before snapshots could be deflated', async () => {
    const filename = freshFile()
    mkdirSync(dirname(filename), { recursive: true })
    const doc = new Y.Doc()
    for (let i = 0; i < 500; i++) doc.getText('t').insert(0, `w${i} `)
    const raw = new BetterSqlite3(filename)
    migrate(raw, 3)
    raw
      .prepare('INSERT INTO documents (name, snapshot, snapshot_bytes, created_at, updated_at) VALUES (?, ?, ?, 0, 0)')
      .run('old', Y.encodeStateAsUpdate(doc), Y.encodeStateAsUpdate(doc).byteLength)
    raw.close()
    const store = new SqliteDocumentStore({ filename })
    try {
      expect((await store.load('old'))?.snapshot).toEqual(Y.encodeStateAsUpdate(doc))
    } finally {
      await store.close()
    }
  })

  it('moves a log written before it was clustered, and numbers new rows after every number used', async () => {
    const filename = freshFile()
    mkdirSync(dirname(filename), { recursive: true })
    const raw = new BetterSqlite3(filename)
    migrate(raw, 4)
    const insertDocument = raw.prepare('INSERT INTO documents (name, created_at, updated_at) VALUES (?, 0, 0)')
    const insertUpdate = raw.prepare('INSERT INTO document_updates (name, data) VALUES (?, ?)')
    insertDocument.run('compacted')
    insertDocument.run('logged')
    // Rows 1-3 of one document, then 4-5 of the other; a compaction then took the first three.
    for (let i = 1; i <= 3; i++) insertUpdate.run('compacted', new Uint8Array([i]))
    for (let i = 4; i <= 5; i++) insertUpdate.run('logged', new Uint8Array([i]))
    raw.prepare('DELETE FROM document_updates WHERE seq <= 3').run()
    raw.close()

    const store = new SqliteDocumentStore({ filename })
    try {
      const logged = await store.load('logged')
      expect(logged?.updates).toEqual([new Uint8Array([4]), new Uint8Array([5])])
      expect(logged?.lastSeq).toBe(5)
      const [compacted, next] = await store.appendUpdates([
        { name: 'compacted', updates: [new Uint8Array([6])] },
        { name: 'logged', updates: [new Uint8Array([7])] },
      ])
      // Past what the old log ever numbered, so a compaction through an old number never takes a new row.
      expect(compacted?.lastSeq).toBeGreaterThan(5)
      expect(next?.lastSeq).toBe(6)
      await store.compact('logged', await store.packSnapshot(new Uint8Array([0, 0])), next!.lastSeq)
      const [after] = await store.appendUpdates([{ name: 'logged', updates: [new Uint8Array([8])] }])
      // The compaction emptied the log; numbering still goes on from where it was.
      expect(after?.lastSeq).toBe(7)
      expect((await store.load('logged'))?.updates).toEqual([new Uint8Array([8])])
    } finally {
      await store.close()
    }
  })

  it('refuses a database written by a newer schema and leaves it untouched', async () => {
    const filename = freshFile()
    await new SqliteDocumentStore({ filename }).close()
    const raw = new BetterSqlite3(filename)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    expect(() => new SqliteDocumentStore({ filename })).toThrow(/newer than this server/)
  })

  it('writes a batch of several documents atomically: a failing batch stores nothing', async () => {
    const store = new SqliteDocumentStore({ filename: freshFile() })
    const good = Y.encodeStateAsUpdate(new Y.Doc())
    // A non-binary value makes the INSERT of the second document throw inside the transaction.
    const bad = 'not bytes' as unknown as Uint8Array
    await expect(
      store.appendUpdates([
        { name: 'a', updates: [good] },
        { name: 'b', updates: [bad] },
      ]),
    ).rejects.toThrow()
    expect(await store.load('a')).toBeNull()
    expect(await store.list()).toEqual([])
    await store.close()
  })
})
