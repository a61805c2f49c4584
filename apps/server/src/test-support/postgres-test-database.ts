/**
 * A PostgreSQL database of its own for one test file, on the server at `DATABASE_URL`: created
 * before the file's tests and dropped after them, so test runs (and files running in parallel) never
 * see each other's rows. Each {@link PostgresTestDatabase.pool} call opens a pool on a fresh schema of
 * it (unless told which), so every store starts empty. Suites skip when `DATABASE_URL` is unset (see local-services.ts).
 */
import { randomBytes } from 'node:crypto'

import pg from 'pg'
import { afterAll } from 'vitest'

import { openPostgres } from '../storage/postgres-database.js'

/** `DATABASE_URL` as the global setup left it, or `undefined` when there is no PostgreSQL. */
export const databaseUrl = process.env.DATABASE_URL

/** A database of this test file's own. */
export class PostgresTestDatabase {
  readonly url: string
  readonly #pools: pg.Pool[] = []
  #schemas = 0

  private constructor(url: string) {
    this.url = url
  }

  /** Create the database now and drop it after the file's tests; call at the top of a suite. */
  static create(): PostgresTestDatabase {
    if (!databaseUrl) throw new Error('DATABASE_URL is not set')
    const name = `tandem_test_${process.pid}_${randomBytes(4).toString('hex')}`
    const url = new URL(databaseUrl)
    url.pathname = `/${name}`
    const database = new PostgresTestDatabase(url.toString())
    const admin = (): pg.Client => new pg.Client({ connectionString: databaseUrl })
    const created = (async () => {
      const client = admin()
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name}`)
      } finally {
        await client.end()
      }
    })()
    database.#ready = created
    afterAll(async () => {
      await created.catch(() => {})
      await Promise.all(database.#pools.map((pool) => pool.end().catch(() => {})))
      const client = admin()
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    })
    return database
  }

  #ready: Promise<void> = Promise.resolve()

  /**
   * A migrated pool on a new, empty schema of the database, or on `schema` (pools on one schema
   * stand for nodes sharing one database); ended after the file's tests.
   */
  async pool(schema = `s${++this.#schemas}`): Promise<pg.Pool> {
    await this.#ready
    const pool = await openPostgres({ connectionString: this.url, schema, maxConnections: 4 })
    this.#pools.push(pool)
    return pool
  }
}
