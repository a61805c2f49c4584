import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'

import { describeMessageStore } from './message-store.contract.js'
import { selectorFor } from './message-store.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { MESSAGE_STORE_SQL, SqliteMessageStore } from './sqlite-message-store.js'
import { migrate } from './sqlite-migrations.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-messages-'))
let counter = 0
const freshFile = (): string => join(dir, `store-${++counter}`, 'tandem.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeMessageStore('sqlite', async () => new SqliteMessageStore({ filename: freshFile() }))

describe('SqliteMessageStore', () => {
  it('gives the pages of pruned messages back to the file system', async () => {
    const db = openSqliteDatabase({ filename: freshFile() })
    const store = new SqliteMessageStore(db)
    try {
      const payload = JSON.stringify({ text: 'x'.repeat(400) })
      for (let i = 0; i < 1000; i++) await store.append(['news'], payload, i)
      const pagesBefore = db.pragma('page_count', { simple: true }) as number
      expect(await store.prune('news', () => ({ maxMessages: 10, maxAgeMs: 1e12 }), 1000)).toBe(990)
      expect(db.pragma('freelist_count', { simple: true })).toBe(0)
      expect(db.pragma('page_count', { simple: true })).toBeLessThan(pagesBefore / 2)
    } finally {
      db.close()
    }
  })

  it('continues ids after a restart and shares the database with documents', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const messages = new SqliteMessageStore(db)
    const documents = new SqliteDocumentStore(db)
    const before = (await messages.append(['a'], '1', 1)).messages[0]!.id
    await documents.appendUpdates([{ name: 'doc', updates: [new Uint8Array([0, 0])] }])
    await messages.close()
    await documents.close()
    expect(db.open).toBe(true) // shared: the owner closes it
    db.close()

    const reopened = new SqliteMessageStore({ filename })
    const after = (await reopened.append(['a'], '2', 2)).messages[0]!.id
    expect(after).toBeGreaterThan(before)
    expect((await reopened.since(selectorFor(['a']), 0, 10)).map((m) => m.data)).toEqual([1, 2])
    await reopened.close()
  })

  it('reads history and gaps through the (channel, id) index, never by walking the message table', () => {
    const db = openSqliteDatabase({ filename: ':memory:' })
    const plan = (sql: string): string[] => {
      const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      const named = { names: '["news"]', prefixes: '["room:"]', afterId: 0, limit: 10 }
      const rows = sql.includes(':names') ? statement.all(named) : statement.all(...Array<number>((sql.match(/\?/g) ?? []).length).fill(0))
      return (rows as Array<{ detail: string }>).map((row) => row.detail)
    }
    const messageAccess = (details: string[]): string[] =>
      details.filter((detail) => / (channel_messages|m) /.test(`${detail} `) && !detail.startsWith('LIST'))
    // Sparse selections: one seek per selected channel in (channel, id), then the rows by id.
    const indexed = [...plan(MESSAGE_STORE_SQL.indexedIds), ...plan(MESSAGE_STORE_SQL.byIds)]
    expect(messageAccess(indexed).length).toBeGreaterThan(0)
    for (const detail of messageAccess(indexed)) {
      expect(detail).toMatch(
        /^SEARCH (channel_messages USING INTEGER PRIMARY KEY \(rowid=\?\)|m USING COVERING INDEX channel_messages_by_channel \(channel=\? AND id>\?\))$/,
      )
    }
    // Dense selections: a walk in id order, bounded by its LIMIT.
    expect(plan(MESSAGE_STORE_SQL.window)).toEqual(['SEARCH channel_messages USING INTEGER PRIMARY KEY (rowid>?)'])
    expect(MESSAGE_STORE_SQL.window).toMatch(/LIMIT \?$/)
    for (const sql of [MESSAGE_STORE_SQL.indexedIds, MESSAGE_STORE_SQL.byIds, MESSAGE_STORE_SQL.gaps, MESSAGE_STORE_SQL.unknownNames]) {
      const details = plan(sql)
      expect(
        details.filter((detail) => /^SCAN (channel_messages|channels|m|c)\b/.test(detail)),
        sql,
      ).toEqual([])
      expect(
        details.filter((detail) => /rowid>/.test(detail)),
        sql,
      ).toEqual([])
    }
    db.close()
  })

  it('finds a quiet channel behind many messages of others, and dense ones too, in id order', async () => {
    const db = openSqliteDatabase({ filename: ':memory:' })
    const store = new SqliteMessageStore(db)
    const early = (await store.append(['user:me'], '"early"', 1)).messages[0]!.id
    const insert = db.prepare('INSERT INTO channel_messages (channel, data, ts) VALUES (?, ?, 1)')
    const ensure = db.prepare('INSERT OR IGNORE INTO channels (name) VALUES (?)')
    db.transaction(() => {
      for (let i = 0; i < 5_000; i++) {
        ensure.run(`room:r${i % 100}`)
        insert.run(`room:r${i % 100}`, String(i))
      }
    })()
    const late = (await store.append(['user:me'], '"late"', 2)).messages[0]!.id
    // Past the walked window: found by seeking the channel.
    expect((await store.since(selectorFor(['user:me']), 0, 500)).map((m) => m.id)).toEqual([early, late])
    expect((await store.since(selectorFor(['user:m*']), early, 10)).map((m) => m.id)).toEqual([late])
    // Some in the window, the rest by seeking; still in id order and within the limit.
    const mixed = await store.since(selectorFor(['user:me', 'room:r7']), 0, 60)
    expect(mixed.map((m) => m.id)).toEqual([...mixed.map((m) => m.id)].sort((a, b) => a - b))
    expect(mixed.map((m) => m.channel)).toEqual(['user:me', ...Array<string>(50).fill('room:r7'), 'user:me'])
    // Dense: the first rows in id order.
    expect((await store.since(selectorFor(['room:*']), early, 3)).map((m) => m.data)).toEqual([0, 1, 2])
    db.close()
  })

  it('frees the rows of channels retention emptied', async () => {
    const db = openSqliteDatabase({ filename: ':memory:' })
    const store = new SqliteMessageStore(db)
    for (let i = 0; i < 500; i++) await store.append([`room:r${i}`], '1', 1_000)
    await store.append(['news'], '1', 9_000)
    const rows = () => (db.prepare('SELECT count(*) AS n FROM channels').get() as { n: number }).n
    expect(rows()).toBe(501)
    expect(await store.prune(null, () => ({ maxMessages: 100, maxAgeMs: 5_000 }), 10_000)).toBe(500)
    expect(rows()).toBe(1)
    expect(await store.gaps(selectorFor(['room:r7', 'room:*', 'news']), 0)).toEqual(['room:*', 'room:r7'])
    db.close()
  })

  it('migrates idempotency keys of a version 2 database into the scope of their channels', async () => {
    const db = new BetterSqlite3(':memory:')
    migrate(db, 2)
    db.prepare('INSERT INTO publish_idempotency (key, messages, expires_at) VALUES (?, ?, ?)').run(
      'k',
      JSON.stringify([
        { id: 1, channel: 'b', data: 1, ts: 1 },
        { id: 2, channel: 'a', data: 1, ts: 1 },
      ]),
      10_000,
    )
    migrate(db)
    const store = new SqliteMessageStore(db)
    expect((await store.append(['a', 'b'], '2', 5, { key: 'k', expiresAt: 20_000 })).duplicate).toBe(true)
    expect((await store.append(['a'], '2', 5, { key: 'k', expiresAt: 20_000 })).duplicate).toBe(false)
    db.close()
  })
})
