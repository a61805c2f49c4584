import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { describeDocumentStore } from './document-store.contract.js'
import { openPostgres, POSTGRES_SCHEMA_VERSION } from './postgres-database.js'
import { PostgresDocumentStore } from './postgres-document-store.js'

function typed(text: string): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const char of text) doc.getText('t').insert(doc.getText('t').length, char)
  return updates
}

function textOf(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): string {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

describe.skipIf(!databaseUrl)('PostgresDocumentStore (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeDocumentStore('postgres', async () => new PostgresDocumentStore(await database.pool()))

  /** Stores on one schema, each with a pool of its own: nodes sharing one database. */
  const nodes = async (schema: string, count: number): Promise<PostgresDocumentStore[]> =>
    Promise.all(Array.from({ length: count }, async () => new PostgresDocumentStore(await database.pool(schema))))

  it('numbers the appends of several nodes consecutively and keeps every one', async () => {
    const stores = await nodes('appends', 3)
    const writers = ['abcd', 'efgh', 'ijkl'].map(typed)
    const appended = await Promise.all(
      stores.flatMap((store, index) =>
        writers[index]!.map((update) =>
          store.appendUpdates([
            { name: 'shared', updates: [update] },
            { name: `own-${index}`, updates: [update] },
          ]),
        ),
      ),
    )
    const seqs = appended.map((results) => results.find(({ name }) => name === 'shared')!.lastSeq).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    const stored = (await stores[1]!.load('shared'))!
    expect(stored.lastSeq).toBe(12)
    expect([...textOf(stored)].sort().join('')).toBe('abcdefghijkl')
    expect((await stores[2]!.info('shared'))?.logRows).toBe(12)
  })

  it('never drops an update another node appended while one compacted', async () => {
    const [a, b] = await nodes('compaction', 2)
    const updates = typed('hello world')
    await a!.appendUpdates([{ name: 'doc', updates: updates.slice(0, 5) }])
    // Node A reads what it will compact; node B appends before A's compaction commits.
    const seen = (await a!.load('doc'))!
    await b!.appendUpdates([{ name: 'doc', updates: updates.slice(5) }])
    const merged = new Y.Doc()
    for (const update of seen.updates) Y.applyUpdate(merged, update)
    await a!.compact('doc', await a!.packSnapshot(Y.encodeStateAsUpdate(merged)), seen.lastSeq)
    const stored = (await b!.load('doc'))!
    expect(stored.updates).toHaveLength(updates.length - 5)
    expect(textOf(stored)).toBe('hello world')
    // Numbering goes on after the compacted rows, on either node.
    const [next] = await a!.appendUpdates([{ name: 'doc', updates: typed('!') }])
    expect(next!.lastSeq).toBe(updates.length + 1)
  })

  it('migrates once however many nodes open at once, and refuses a schema newer than it knows', async () => {
    const pools = await Promise.all([1, 2, 3].map(() => database.pool('migrated')))
    const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_version')
    expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }])
    await pools[0]!.query('UPDATE schema_version SET version = version + 1')
    await expect(openPostgres({ connectionString: database.url, schema: 'migrated' })).rejects.toThrow(/upgrade Tandem/)
    await expect(openPostgres({ connectionString: database.url, schema: 'Not-A-Name' })).rejects.toThrow(/identifier/)
  })
})
