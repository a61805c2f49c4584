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

  it('reads the rows a node missed, and says when they were merged into the snapshot meanwhile', async () => {
    const [a, b] = await nodes('missed', 2)
    const updates = typed('abcdef')
    await a!.appendUpdates([{ name: 'doc', updates: updates.slice(0, 4) }])
    expect((await b!.logAfter('doc', 2))?.map((row) => row.seq)).toEqual([3, 4])
    expect(await b!.logAfter('doc', 4)).toEqual([])
    expect(await b!.logAfter('nothing-here', 0)).toEqual([])
    expect(await b!.heads(['doc', 'nothing-here'])).toEqual(new Map([['doc', 4]]))

    const merged = new Y.Doc()
    for (const update of updates.slice(0, 4)) Y.applyUpdate(merged, update)
    await a!.compact('doc', await a!.packSnapshot(Y.encodeStateAsUpdate(merged)), 3)
    // Row 2 is in the snapshot now: a node that held only row 1 reads the whole document.
    expect(await b!.logAfter('doc', 1)).toBeNull()
    expect((await b!.logAfter('doc', 3))?.map((row) => row.seq)).toEqual([4])
    // An emptied log still tells where numbering stands.
    await a!.compact('doc', await a!.packSnapshot(Y.encodeStateAsUpdate(merged)), 4)
    expect(await b!.heads(['doc'])).toEqual(new Map([['doc', 4]]))
    expect((await b!.load('doc'))?.lastSeq).toBe(4)
  })

  it('skips a compaction behind one another node already made, and never brings a deleted document back', async () => {
    const [a, b] = await nodes('late_compaction', 2)
    const updates = typed('abcdef')
    await a!.appendUpdates([{ name: 'doc', updates }])
    const all = new Y.Doc()
    for (const update of updates) Y.applyUpdate(all, update)
    await a!.compact('doc', await a!.packSnapshot(Y.encodeStateAsUpdate(all)), 6)
    // Node B held only the first three rows when it took its snapshot: replacing A's would lose three.
    const partial = new Y.Doc()
    for (const update of updates.slice(0, 3)) Y.applyUpdate(partial, update)
    await b!.compact('doc', await b!.packSnapshot(Y.encodeStateAsUpdate(partial)), 3)
    expect(textOf((await a!.load('doc'))!)).toBe('abcdef')

    await a!.delete('doc')
    await b!.compact('doc', await b!.packSnapshot(Y.encodeStateAsUpdate(all)), 7)
    expect(await a!.load('doc')).toBeNull()
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
