/**
 * Tandem's storage on PostgreSQL (`DATABASE_URL`): one pool, migrated, for the document and the
 * message store. Without `REDIS_URL`, one node per database schema: a second node serving the same
 * documents would miss the first one's edits (nodes relay them to each other over Redis only, see
 * `cluster/`). Nodes of a cluster hold the same lock in shared mode, which keeps a single node out.
 *
 * So a node holds a session-level advisory lock on its schema, on a connection of its own, and a
 * second node is refused at start. The lock alone is not enough: its connection can drop (a
 * PostgreSQL restart, a NAT timeout), and another node may take the schema while this one's writes
 * are still in flight. Every write therefore checks a fencing token (`node_epoch`, FOR SHARE) that
 * the lock holder bumps when it takes the schema: writes are refused while this node is without its
 * lock, and for good once another node has bumped the token.
 */
import pg from 'pg'

import { answerWithin } from '../answer-within.js'
import { PostgresAuditLog } from './postgres-audit-log.js'
import { createPool, migrate, type WriteFence } from './postgres-database.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { PostgresImageStore } from './postgres-image-store.js'
import { PostgresMessageStore } from './postgres-message-store.js'
import { PostgresSearchIndex } from './postgres-search-index.js'
import { PostgresVersionStore } from './postgres-version-store.js'

/** The stores on one PostgreSQL schema, and how to let go of them. */
export interface PostgresStorage {
  documents: PostgresDocumentStore
  messages: PostgresMessageStore
  versions: PostgresVersionStore
  search: PostgresSearchIndex
  images: PostgresImageStore
  audit: PostgresAuditLog
  /** Where the data is, for logs: host, port, database and schema, no credentials. */
  where: string
  /** Whether the database answers a trivial query now and this node holds its schema. */
  reachable(): Promise<boolean>
  /** Release the node's lock and end the pool (after the stores are done). */
  close(): Promise<void>
}

/** Thrown when another node already serves the schema. */
export class SchemaInUseError extends Error {}

/** Thrown by a write this node may not make: it lacks its schema's lock, or another node took over. */
export class FencedError extends Error {}

/** What the storage reports while it runs. */
export interface PostgresStorageEvents {
  /** Another node took the schema while this node's lock connection was down: this node must stop, without writing. */
  onLockLost(error: SchemaInUseError): void
  /** The lock's connection dropped (PostgreSQL restarted, the session was killed); it is being taken again. */
  onLockInterrupted?(error: unknown): void
}

/** Between attempts to take the lock again after its connection dropped. */
const RELOCK_INTERVAL_MS = 1000
/** How often the lock's connection is checked, and how long it may take to answer. */
const LOCK_CHECK_MS = 5000

/** The node's hold on its schema: advisory lock, fencing token, and the fence every write checks. */
class NodeLock implements WriteFence {
  readonly #url: string
  readonly #schema: string
  readonly #events: PostgresStorageEvents
  #client: pg.Client | null = null
  /** The token this node set when it took the schema; `null` while it does not hold the lock. */
  #epoch: number | null = null
  /** The token it last held, to tell on relocking whether another node held the schema meanwhile. */
  #lastEpoch: number | null = null
  #retry: NodeJS.Timeout | null = null
  /** The server process of the session that last held the lock for this node. */
  #pid: number | null = null
  #check: NodeJS.Timeout | null = null
  #closed = false

  /** Cluster nodes share the schema: they hold the lock in shared mode, which only keeps a single node out. */
  readonly #shared: boolean

  constructor(url: string, schema: string, events: PostgresStorageEvents, shared: boolean) {
    this.#url = url
    this.#schema = schema
    this.#events = events
    this.#shared = shared
  }

  get held(): boolean {
    return this.#epoch !== null
  }

  /** Take the advisory lock on a new connection; `false` when another node holds it. */
  async take(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true, keepAliveInitialDelayMillis: LOCK_CHECK_MS })
    // Unhandled, a dropped connection's 'error' would end the process.
    client.on('error', (error) => this.#dropped(client, error))
    client.on('end', () => this.#dropped(client, new Error('the lock connection ended')))
    try {
      await client.connect()
      const lock = this.#shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'
      const { rows } = await client.query<{ locked: boolean; pid: number }>(
        `SELECT ${lock}(hashtext('tandem node:' || $1)) AS locked, pg_backend_pid() AS pid`,
        [this.#schema],
      )
      if (!rows[0]!.locked || this.#closed) {
        await client.end()
        return false
      }
      this.#pid = rows[0]!.pid
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    this.#client = client
    return true
  }

  /**
   * Bump the fencing token (the schema is migrated by now) and open the fence. On a relock, only if
   * nobody bumped it since this node last held the schema: else another node served it meanwhile, and
   * this node's documents may lack what that one wrote.
   */
  async claim(): Promise<boolean> {
    const client = this.#client
    if (!client) return false
    if (this.#shared) {
      // Nodes of a cluster write side by side; the shared lock only keeps a single node out.
      this.#epoch = 0
      this.#check ??= setInterval(() => void this.#checkConnection(), LOCK_CHECK_MS).unref()
      return true
    }
    const { rows } = await client.query<{ epoch: number }>(
      `UPDATE "${this.#schema}".node_epoch SET epoch = epoch + 1 WHERE id = 1 AND ($1::bigint IS NULL OR epoch = $1) RETURNING epoch`,
      [this.#lastEpoch],
    )
    if (!rows[0]) return false
    this.#epoch = this.#lastEpoch = rows[0].epoch
    this.#check ??= setInterval(() => void this.#checkConnection(), LOCK_CHECK_MS).unref()
    return true
  }

  async check(client: pg.PoolClient): Promise<void> {
    const epoch = this.#epoch
    if (epoch === null) throw new FencedError(`this node does not hold schema ${this.#schema} right now; retry shortly`)
    const { rows } = await client.query<{ epoch: number }>('SELECT epoch FROM node_epoch WHERE id = 1 FOR SHARE')
    if (rows[0]?.epoch !== epoch) throw new FencedError(`another node has taken schema ${this.#schema}`)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#epoch = null
    if (this.#retry) clearTimeout(this.#retry)
    if (this.#check) clearInterval(this.#check)
    const client = this.#client
    this.#client = null
    // Ending the session releases its advisory lock.
    await client?.end().catch(() => {})
  }

  /** End this node's previous lock session if the server still has it holding the lock; `true` if it did. */
  async #endStaleSession(): Promise<boolean> {
    const pid = this.#pid
    if (pid === null) return false
    const client = new pg.Client({ connectionString: this.#url })
    client.on('error', () => {})
    try {
      await client.connect()
      // Waits up to 5 s for the session to end, and so for its locks to go.
      const { rows } = await client.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid = $1 AND objid = hashtext('tandem node:' || $2)::oid`,
        [pid, this.#schema],
      )
      return rows[0]?.ended === true
    } catch {
      return false
    } finally {
      await client.end().catch(() => {})
    }
  }

  /** A connection that no longer answers may have lost its session (and the lock) without a word. */
  async #checkConnection(): Promise<void> {
    const client = this.#client
    if (!client) return
    const answered = await answerWithin(
      client.query('SELECT 1').then(() => true),
      LOCK_CHECK_MS,
    )
    if (!answered) {
      this.#dropped(client, new Error('the lock connection stopped answering'))
      void client.end().catch(() => {})
    }
  }

  #dropped(client: pg.Client, error: unknown): void {
    if (this.#client !== client || this.#closed) return
    this.#client = null
    this.#epoch = null
    this.#events.onLockInterrupted?.(error)
    this.#scheduleRelock()
  }

  #scheduleRelock(): void {
    this.#retry = setTimeout(() => {
      this.#retry = null
      if (this.#closed) return
      const relock = async (): Promise<boolean> => {
        let taken = await this.take()
        // After a network blip the server may not yet know this node's old session is gone, and that
        // session still holds the lock: end it (it is this node's own), then take the lock again.
        if (!taken && (await this.#endStaleSession())) taken = await this.take()
        return taken && (await this.claim())
      }
      relock().then(
        (held) => {
          if (held || this.#closed) return
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
 * Open the stores on `url`'s database, schema `schema`: take the schema's lock, then migrate it,
 * then claim it.
 * @throws {SchemaInUseError} when another node holds the schema; other errors when PostgreSQL cannot
 * be reached or migrated.
 */
export async function openPostgresStorage(
  url: string,
  schema: string,
  events: PostgresStorageEvents,
  options: { cluster?: boolean; synchronousCommit?: boolean } = {},
): Promise<PostgresStorage> {
  const cluster = options.cluster ?? false
  const pool = createPool({ connectionString: url, schema, synchronousCommit: options.synchronousCommit ?? true })
  const lock = new NodeLock(url, schema, events, cluster)
  try {
    if (!(await lock.take())) {
      throw new SchemaInUseError(
        cluster
          ? `a single Tandem node (started without REDIS_URL) serves schema ${schema} of this database; stop it, or start every node with the same REDIS_URL`
          : `another Tandem node already serves schema ${schema} of this database; give every node the same REDIS_URL to run them as one cluster, or use another DATABASE_SCHEMA`,
      )
    }
    await migrate(pool, schema)
    if (!(await lock.claim())) throw new SchemaInUseError(`another Tandem node claimed schema ${schema} first`)
  } catch (error) {
    await lock.close()
    await pool.end()
    throw error
  }
  const parsed = new URL(url)
  return {
    // A single node fences its writes (see NodeLock); cluster nodes write side by side.
    documents: new PostgresDocumentStore(pool, cluster ? undefined : lock),
    messages: new PostgresMessageStore(pool, cluster ? undefined : lock),
    versions: new PostgresVersionStore(pool, cluster ? undefined : lock),
    search: new PostgresSearchIndex(pool),
    images: new PostgresImageStore(pool),
    audit: new PostgresAuditLog(pool),
    where: `postgres://${parsed.host}${parsed.pathname}, schema ${schema}`,
    reachable: async () =>
      lock.held &&
      (await pool.query('SELECT 1').then(
        () => true,
        () => false,
      )),
    async close() {
      await lock.close()
      await pool.end()
    },
  }
}
