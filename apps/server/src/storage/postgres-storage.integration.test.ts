import { createServer, type Server, Socket } from 'node:net'

import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { inTransaction, openPostgres } from './postgres-database.js'
import { FencedError, openPostgresStorage, type PostgresStorage, SchemaInUseError } from './postgres-storage.js'

function anUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe.skipIf(!databaseUrl)('PostgreSQL storage of one node (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()
  const opened: PostgresStorage[] = []
  const admin = new pg.Client({ connectionString: databaseUrl })
  let adminConnected: Promise<unknown> | null = null
  afterAll(async () => {
    await Promise.all(opened.map((storage) => storage.close().catch(() => {})))
    if (adminConnected) await admin.end()
  })
  const adminQuery = async (sql: string, params: unknown[] = []): Promise<pg.QueryResult> => {
    adminConnected ??= admin.connect()
    await adminConnected
    return admin.query(sql, params)
  }
  /** What a PostgreSQL restart does to every session on the test database. */
  const killSessions = (): Promise<pg.QueryResult> =>
    adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      new URL(database.url).pathname.slice(1),
    ])
  const open = async (schema: string, events: Parameters<typeof openPostgresStorage>[2]): Promise<PostgresStorage> => {
    const storage = await openPostgresStorage(database.url, schema, events)
    opened.push(storage)
    return storage
  }

  it('survives a connection dropped in the middle of a transaction: the transaction fails, the process goes on', async () => {
    const pool = await database.pool()
    await expect(
      inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        await adminQuery('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
        await client.query('SELECT 1')
      }),
    ).rejects.toThrow()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  it('keeps to its schema when DATABASE_URL carries connection options of its own', async () => {
    const url = new URL(database.url)
    url.searchParams.set('options', '-c statement_timeout=5000')
    const pool = await openPostgres({ connectionString: url.toString(), schema: 'with_options' })
    try {
      expect((await pool.query('SELECT current_schema() AS schema')).rows).toEqual([{ schema: 'with_options' }])
      expect((await pool.query("SELECT current_setting('statement_timeout') AS timeout")).rows).toEqual([{ timeout: '5s' }])
    } finally {
      await pool.end()
    }
  })

  it('commits without waiting for the WAL flush in crash-safe mode, unless DATABASE_URL says otherwise', async () => {
    const setting = async (connectionString: string, synchronousCommit: boolean): Promise<unknown> => {
      const pool = await openPostgres({ connectionString, schema: 'commit_mode', synchronousCommit })
      try {
        return (await pool.query("SELECT current_setting('synchronous_commit') AS value")).rows[0]?.value
      } finally {
        await pool.end()
      }
    }
    expect(await setting(database.url, false)).toBe('off')
    expect(await setting(database.url, true)).toBe('on')
    const url = new URL(database.url)
    url.searchParams.set('options', '-c synchronous_commit=local')
    expect(await setting(url.toString(), false)).toBe('local')
  })

  it('takes its lock again after its sessions were killed, and writes again', async () => {
    let interrupted = 0
    let lost = 0
    const storage = await open('relocked', { onLockInterrupted: () => interrupted++, onLockLost: () => lost++ })
    await storage.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('before')] }])
    await killSessions()
    await eventually(() => expect(interrupted).toBe(1))
    await eventually(async () => expect(await storage.reachable()).toBe(true), { timeout: 10_000 })
    await storage.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('after')] }])
    expect((await storage.documents.load('doc'))?.updates).toHaveLength(2)
    expect(lost).toBe(0)
  })

  it('refuses every write of a node whose schema another node took while its lock connection was down', async () => {
    let lost: SchemaInUseError | null = null
    const first = await open('taken', { onLockLost: (error) => (lost = error) })
    await first.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('first')] }])
    await killSessions()
    // Within the first node's wait before it relocks, a second one starts and takes the schema.
    const second = await open('taken', { onLockLost: () => {} })
    await expect(first.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('late')] }])).rejects.toBeInstanceOf(FencedError)
    await expect(first.messages.append(['news'], '{}', Date.now())).rejects.toBeInstanceOf(FencedError)
    await eventually(() => expect(lost).toBeInstanceOf(SchemaInUseError), { timeout: 10_000 })
    await expect(first.documents.compact('doc', await first.documents.packSnapshot(anUpdate('x')), 1)).rejects.toBeInstanceOf(FencedError)
    // The new holder writes, and finds only what was committed before the takeover.
    await second.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('second')] }])
    expect((await second.documents.load('doc'))?.updates).toHaveLength(2)
  })

  it('ends its own stale session after a network blip the server did not notice, instead of giving up the schema', async () => {
    // A proxy between the node and PostgreSQL whose client side can be cut while the server side
    // stays open: what a dropped network path looks like to a server that has not noticed yet.
    const upstream = new URL(database.url)
    const pairs: Array<{ client: Socket; server: Socket }> = []
    const proxy: Server = createServer((client) => {
      const server = new Socket()
      server.connect(Number(upstream.port || 5432), upstream.hostname)
      client.pipe(server)
      server.pipe(client)
      client.on('error', () => {})
      server.on('error', () => {})
      pairs.push({ client, server })
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const through = new URL(database.url)
    through.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`
    let interrupted = 0
    let lost = 0
    const storage = await openPostgresStorage(through.toString(), 'blip', {
      onLockInterrupted: () => interrupted++,
      onLockLost: () => lost++,
    })
    const cut: Socket[] = []
    try {
      await storage.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('before')] }])
      for (const { client, server } of pairs.splice(0)) {
        server.unpipe(client)
        client.destroy()
        cut.push(server)
      }
      await eventually(() => expect(interrupted).toBe(1))
      await eventually(async () => expect(await storage.reachable()).toBe(true), { timeout: 15_000 })
      await storage.documents.appendUpdates([{ name: 'doc', updates: [anUpdate('after')] }])
      expect((await storage.documents.load('doc'))?.updates).toHaveLength(2)
      expect(lost).toBe(0)
    } finally {
      await storage.close()
      for (const socket of [...cut, ...pairs.flatMap(({ client, server }) => [client, server])]) socket.destroy()
      proxy.close()
    }
  }, 30_000)
})
