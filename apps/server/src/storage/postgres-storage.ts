/**
 * Tandem's storage on PostgreSQL (`DATABASE_URL`): one pool, migrated, for the document and the
 * message store. Until nodes relay edits to each other (issue 12), one node per database schema: two
 * nodes serving one document would each miss the other's edits, and a compaction by one would
 * delete log rows the other appended but its document never held. So the node holds a session-level
 * advisory lock on its schema for as long as it runs, and a second node is refused at start.
 */
import type pg from 'pg'

import { openPostgres } from './postgres-database.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { PostgresMessageStore } from './postgres-message-store.js'

/** The stores on one PostgreSQL schema, and how to let go of them. */
export interface PostgresStorage {
  documents: PostgresDocumentStore
  messages: PostgresMessageStore
  /** Where the data is, for logs: host, port, database and schema, no credentials. */
  where: string
  /** Whether the database answers a trivial query now. */
  reachable(): Promise<boolean>
  /** Release the node's lock and end the pool (after the stores are done). */
  close(): Promise<void>
}

/** Thrown when another node already serves the schema. */
export class SchemaInUseError extends Error {}

/**
 * Open the stores on `url`'s database, schema `schema` (created and migrated if needed).
 * @throws {SchemaInUseError} when another node holds the schema; other errors when PostgreSQL cannot
 * be reached or migrated.
 */
export async function openPostgresStorage(url: string, schema: string): Promise<PostgresStorage> {
  const pool = await openPostgres({ connectionString: url, schema })
  let holder: pg.PoolClient | null = null
  try {
    holder = await pool.connect()
    const { rows } = await holder.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext('tandem node:' || $1)) AS locked`, [
      schema,
    ])
    if (!rows[0]!.locked) {
      throw new SchemaInUseError(
        `another Tandem node already serves schema ${schema} of this database; run one node per schema (DATABASE_SCHEMA) until nodes can be clustered`,
      )
    }
  } catch (error) {
    holder?.release()
    await pool.end()
    throw error
  }
  const parsed = new URL(url)
  const lockHolder = holder
  return {
    documents: new PostgresDocumentStore(pool),
    messages: new PostgresMessageStore(pool),
    where: `postgres://${parsed.host}${parsed.pathname}, schema ${schema}`,
    reachable: () =>
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    async close() {
      // Ending the session releases its advisory lock.
      lockHolder.release(true)
      await pool.end()
    },
  }
}
