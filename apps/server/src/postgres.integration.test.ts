import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'

import { eventually } from './test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from './test-support/postgres-test-database.js'
import { spawnServer } from './test-support/spawn-server.js'
import { connectClient } from './test-support/test-server.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-postgres-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe.skipIf(!databaseUrl)('the real server process on PostgreSQL (DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  it('keeps every relayed edit in PostgreSQL through kill -9 and a restart, and nothing in DATA_DIR', async () => {
    const env = { DATABASE_URL: database.url, DATABASE_SCHEMA: 'killed', REDIS_URL: '' }
    const first = await spawnServer({ DATA_DIR: join(dataDir, 'first'), ...env })
    const author = await connectClient(first, 'on-postgres')
    const witness = await connectClient(first, 'on-postgres')
    for (let i = 0; i < 200; i++) {
      author.text.insert(author.text.length, `<${i}>`)
      if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const expected = author.text.toString()
    await eventually(() => expect(witness.text.toString()).toBe(expected), { timeout: 15_000 })
    author.provider.destroy()
    witness.provider.destroy()
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' })
    expect(existsSync(join(dataDir, 'first', 'tandem.db'))).toBe(false)

    // Another data directory: the document can only come from PostgreSQL.
    const second = await spawnServer({ DATA_DIR: join(dataDir, 'second'), ...env })
    const reader = await connectClient(second, 'on-postgres')
    expect(reader.text.toString()).toBe(expected)
    // Ready once its storage answers (and the Redis bridge, if this run's REDIS_URL reached it, is up).
    await eventually(async () =>
      expect(await (await fetch(`${second.url}/api/ready`)).json()).toMatchObject({ ready: true, storage: 'ok' }),
    )
    const listed = (await (await fetch(`${second.url}/api/rooms`)).json()) as { rooms: Array<{ name: string }> }
    expect(listed.rooms.map((room) => room.name)).toContain('on-postgres')
  }, 60_000)

  it('refuses a second node on a schema another node serves, and says why', async () => {
    const env = { DATABASE_URL: database.url, DATABASE_SCHEMA: 'single', REDIS_URL: '' }
    await spawnServer({ DATA_DIR: join(dataDir, 'single-a'), ...env })
    await expect(spawnServer({ DATA_DIR: join(dataDir, 'single-b'), ...env })).rejects.toThrow(
      /another Tandem node already serves schema single/,
    )
    // Another schema of the same database is another node's to serve.
    const other = await spawnServer({ DATA_DIR: join(dataDir, 'single-c'), DATABASE_URL: database.url, DATABASE_SCHEMA: 'other' })
    expect((await fetch(`${other.url}/api/health`)).status).toBe(200)
  }, 60_000)

  it('rides out its PostgreSQL sessions being killed mid-edit: nothing relayed is lost, and it keeps its schema', async () => {
    const env = { DATABASE_URL: database.url, DATABASE_SCHEMA: 'terminated', REDIS_URL: '' }
    const node = await spawnServer({ DATA_DIR: join(dataDir, 'terminated'), ...env })
    const author = await connectClient(node, 'through-restart')
    const witness = await connectClient(node, 'through-restart')
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    try {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) author.text.insert(author.text.length, `<${round}.${i}>`)
        // What a PostgreSQL restart does to every session of this node: the pool's and its lock's.
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      }
      author.text.insert(author.text.length, '<end>')
      const expected = author.text.toString()
      // Writes that failed closed the room (4500); the stock clients reconnected and resent what they had.
      await eventually(() => expect(witness.text.toString()).toBe(expected), { timeout: 30_000 })
      expect((await fetch(`${node.url}/api/health`)).status).toBe(200)
      // The lock was taken again: a second node on the schema is still refused.
      await eventually(
        async () => {
          const holders = await admin.query(
            `SELECT count(*)::integer AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = (hashtext('tandem node:terminated')::bigint & 4294967295)::oid`,
          )
          expect(holders.rows[0].n).toBe(1)
        },
        { timeout: 10_000 },
      )
      await expect(spawnServer({ DATA_DIR: join(dataDir, 'terminated-b'), ...env })).rejects.toThrow(/another Tandem node already serves/)
      author.provider.destroy()
      witness.provider.destroy()
      expect(await node.kill()).toEqual({ code: null, signal: 'SIGKILL' })
      const restarted = await spawnServer({ DATA_DIR: join(dataDir, 'terminated-c'), ...env })
      expect((await connectClient(restarted, 'through-restart')).text.toString()).toBe(expected)
    } finally {
      await admin.end()
    }
  }, 90_000)

  it('stops at start with a clear error when PostgreSQL cannot be reached', async () => {
    await expect(
      spawnServer({ DATA_DIR: join(dataDir, 'unreachable'), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }),
    ).rejects.toThrow(/cannot open the PostgreSQL database at DATABASE_URL/)
  }, 30_000)
})
