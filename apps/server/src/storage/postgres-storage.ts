/**
 * Tandem's storage on PostgreSQL (`DATABASE_URL`): one pool, migrated, for the document and the
 * message store. Until nodes relay edits to each other (issue 12), one node per database schema: two
 * nodes serving one document would each miss the other's edits, and a compaction by one would
 * delete log rows the other appended but its document never held. So the node holds a session-level
 * advisory lock on its schema for as long as it runs, and a second node is refused at start.
 */
import pg from 'pg'

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

/** What the storage reports while it runs. */
export interface PostgresStorageEvents {
  /** The node's lock on its schema is gone for good: another node took it while the connection was down. */
  onLockLost(error: SchemaInUseError): void
  /** The lock's connection dropped (PostgreSQL restarted, the session was killed); it is being taken again. */
  onLockInterrupted?(error: unknown): void
}

/** Between attempts to take the lock again after its connection dropped. */
const RELOCK_INTERVAL_MS = 1000

/**
 * The node's session-level advisory lock on its schema, on a connection of its own (outside the pool,
 * so no query waits behind it). If that connection drops, the lock goes with it: the node takes it
 * again on a new connection as soon as PostgreSQL answers, and if another node was quicker, it says
 * so through `onLockLost` (the node must stop: two nodes would now serve one schema).
 */
class NodeLock {
  readonly #url: string
  readonly #schema: string
  readonly #events: PostgresStorageEvents
  #client: pg.Client | null = null
  #retry: NodeJS.Timeout | null = null
  #closed = false

  constructor(url: string, schema: string, events: PostgresStorageEvents) {
    this.#url = url
    this.#schema = schema
    this.#events = events
  }

  /** Take the lock; `false` when another node holds it. */
  async take(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.#url })
    // Unhandled, a dropped connection's 'error' would end the process.
    client.on('error', (error) => this.#dropped(client, error))
    client.on('end', () => this.#dropped(client, new Error('the lock connection ended')))
    try {
      await client.connect()
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext('tandem node:' || $1)) AS locked`, [
        this.#schema,
      ])
      if (!rows[0]!.locked) {
        await client.end()
        return false
      }
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    if (this.#closed) {
      await client.end()
      return true
    }
    this.#client = client
    return true
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#retry) clearTimeout(this.#retry)
    const client = this.#client
    this.#client = null
    // Ending the session releases its advisory lock.
    await client?.end().catch(() => {})
  }

  #dropped(client: pg.Client, error: unknown): void {
    if (this.#client !== client || this.#closed) return
    this.#client = null
    this.#events.onLockInterrupted?.(error)
    this.#scheduleRelock()
  }

  #scheduleRelock(): void {
    this.#retry = setTimeout(() => {
      this.#retry = null
      if (this.#closed) return
      this.take().then(
        (taken) => {
          if (!taken)
            this.#events.onLockLost(
              new SchemaInUseError(`another Tandem node took schema ${this.#schema} while this node's connection was down`),
            )
        },
        () => this.#scheduleRelock(),
      )
    }, RELOCK_INTERVAL_MS)
    this.#retry.unref()
  }
}

/**
 * Open the stores on `url`'s database, schema `schema` (created and migrated if needed).
 * @throws {SchemaInUseError} when another node holds the schema; other errors when PostgreSQL cannot
 * be reached or migrated.
 */
export async function openPostgresStorage(url: string, schema: string, events: PostgresStorageEvents): Promise<PostgresStorage> {
  const pool = await openPostgres({ connectionString: url, schema })
  const lock = new NodeLock(url, schema, events)
  try {
    if (!(await lock.take())) {
      throw new SchemaInUseError(
        `another Tandem node already serves schema ${schema} of this database; run one node per schema (DATABASE_SCHEMA) until nodes can be clustered`,
      )
    }
  } catch (error) {
    await lock.close()
    await pool.end()
    throw error
  }
  const parsed = new URL(url)
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
      await lock.close()
      await pool.end()
    },
  }
}
