import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import pg from 'pg'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'

import { eventually } from './test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from './test-support/postgres-test-database.js'
import { spawnServer } from './test-support/spawn-server.js'
import { connectClient } from './test-support/stock-client.js'

const run = promisify(execFile)
const ADMIN_TOKEN = 'postgres-backup-admin-token'
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const dir = mkdtempSync(join(tmpdir(), 'tandem-pg-backup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A new, empty database on the test server (what `pg_restore` needs), dropped when the calling test finishes. */
async function emptyDatabase(): Promise<string> {
  const name = `tandem_restore_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end())
  onTestFinished(async () => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end())
  })
  const url = new URL(databaseUrl!)
  url.pathname = `/${name}`
  return url.toString()
}

describe.skipIf(!databaseUrl)('backups of a server on PostgreSQL (DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  it('points GET /api/admin/backup to pg_dump; pg_dump -Fc and pg_restore into a fresh database give a server the same documents', async () => {
    const env = { DATABASE_URL: database.url, DATABASE_SCHEMA: 'docs', REDIS_URL: '', ADMIN_TOKEN }
    const server = await spawnServer({ DATA_DIR: join(dir, 'first'), ...env })
    const refused = await fetch(`${server.url}/api/admin/backup`, { headers: admin })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ error: { code: 'backup_unsupported', message: expect.stringContaining('pg_dump') } })

    const rooms = ['pg-a', 'pg-b']
    const acknowledged: Array<Map<number, number>> = []
    for (const room of rooms) {
      const editor = await connectClient(server, room)
      const witness = await connectClient(server, room)
      for (let i = 0; i < 50; i++) editor.text.insert(editor.text.length, `<${room}.${i}>`)
      await eventually(() => expect(witness.text.toString()).toBe(editor.text.toString()))
      acknowledged.push(Y.decodeStateVector(Y.encodeStateVector(witness.doc)))
    }
    const named = await fetch(`${server.url}/api/rooms/pg-a/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'before the dump' }),
    })
    expect(named.status).toBe(201)
    const ids: number[] = []
    for (let n = 0; n < 10; n++) {
      const published = await fetch(`${server.url}/api/publish`, {
        method: 'POST',
        headers: { ...admin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'news', data: { n } }),
      })
      ids.push(((await published.json()) as { ids: Record<string, number> }).ids.news!)
    }
    const versions = async (url: string): Promise<unknown[]> =>
      ((await (await fetch(`${url}/api/rooms/pg-a/versions`)).json()) as { versions: unknown[] }).versions

    // While the server runs: pg_dump reads one snapshot of the database.
    const dump = join(dir, 'tandem.dump')
    await run('pg_dump', ['-Fc', '-f', dump, '--dbname', database.url])
    const expectedVersions = await versions(server.url)
    expect(expectedVersions.length).toBeGreaterThan(0)
    await server.stop()

    const restoredUrl = await emptyDatabase()
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restoredUrl, dump])
    const restored = await spawnServer({ DATA_DIR: join(dir, 'second'), ...env, DATABASE_URL: restoredUrl })
    for (const [index, room] of rooms.entries()) {
      const reader = await connectClient(restored, room)
      const held = Y.decodeStateVector(Y.encodeStateVector(reader.doc))
      for (const [client, clock] of acknowledged[index]!) expect(held.get(client) ?? 0).toBeGreaterThanOrEqual(clock)
    }
    expect(await versions(restored.url)).toEqual(expectedVersions)
    const history = (await (await fetch(`${restored.url}/api/channels/news/messages?since=0`)).json()) as {
      messages: Array<{ id: number }>
    }
    expect(history.messages.map((message) => message.id)).toEqual(ids)
  }, 90_000)
})
