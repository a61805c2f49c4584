import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { describeDocumentStore } from './document-store.contract.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { SCHEMA_VERSION } from './sqlite-migrations.js'

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
