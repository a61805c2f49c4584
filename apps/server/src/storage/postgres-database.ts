/**
 * A PostgreSQL connection pool (`pg`) with Tandem's schema in place. Opening one applies the
 * numbered migrations it lacks, each in its own transaction, while holding an advisory lock: nodes of
 * a cluster that start together migrate one after another, and every one sees the schema complete.
 * Never edit a migration that has shipped: add a new one.
 */
import pg from 'pg'

/** Where and how to connect. */
export interface PostgresOptions {
  /** `postgres://user@host:port/database` */
  connectionString: string
  /** Schema holding Tandem's tables (created if missing); `public` when omitted. */
  schema?: string
  /** Connections the pool opens at most. */
  maxConnections?: number
  /**
   * `false` (`DURABILITY=crash-safe`): a commit returns once PostgreSQL has it, before its WAL is on
   * disk (`synchronous_commit = off`): a crash of this node or a restart of PostgreSQL loses
   * nothing, a crash of the database host at most ~600 ms (three `wal_writer_delay`s). `true` (the
   * default, `power-safe`): every commit waits for its WAL to be flushed. A `synchronous_commit` in
   * DATABASE_URL's options wins.
   */
  synchronousCommit?: boolean
}

const MIGRATIONS: readonly string[] = [
  // 1: documents with a snapshot, and their update log. A log row's `seq` counts per document and is
  // assigned under the document row's lock, so appends from several nodes interleave without gaps or
  // clashes; `log_floor` keeps the highest seq a compaction deleted, so none is ever reused.
  `
  CREATE TABLE documents (
    name text PRIMARY KEY,
    snapshot bytea,
    snapshot_encoding smallint NOT NULL DEFAULT 0,
    snapshot_bytes integer NOT NULL DEFAULT 0,
    log_rows integer NOT NULL DEFAULT 0,
    log_bytes bigint NOT NULL DEFAULT 0,
    log_floor bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE document_log (
    name text NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    seq bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (name, seq)
  );
  `,
  // 2: notification channels. Ids come from `message_counter`, whose row every append locks until it
  // commits: appends from every node are numbered in commit order, so a reader that has seen id n
  // never later finds a smaller one committed behind it. `retention_floor` keeps the highest
  // pruned_through of the channels retention forgot, so their gaps are still reported.
  `
  CREATE TABLE message_counter (
    id integer PRIMARY KEY CHECK (id = 1),
    last_id bigint NOT NULL
  );
  INSERT INTO message_counter (id, last_id) VALUES (1, 0);
  CREATE TABLE channel_messages (
    id bigint PRIMARY KEY,
    channel text NOT NULL,
    data text NOT NULL,
    ts bigint NOT NULL
  );
  CREATE INDEX channel_messages_by_channel ON channel_messages (channel, id);
  CREATE TABLE channels (
    name text PRIMARY KEY,
    pruned_through bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE publish_idempotency (
    scope text NOT NULL,
    key text NOT NULL,
    messages text NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX publish_idempotency_by_expiry ON publish_idempotency (expires_at);
  CREATE TABLE retention_floor (
    id integer PRIMARY KEY CHECK (id = 1),
    forgotten_through bigint NOT NULL
  );
  INSERT INTO retention_floor (id, forgotten_through) VALUES (1, 0);
  `,
  // 3: the fencing token of the node that serves the schema. A node bumps it when it takes the
  // schema's lock and checks it, FOR SHARE, in every write: once another node has taken over, a write
  // still in flight from the old one is refused instead of committed.
  `
  CREATE TABLE node_epoch (
    id integer PRIMARY KEY CHECK (id = 1),
    epoch bigint NOT NULL
  );
  INSERT INTO node_epoch (id, epoch) VALUES (1, 0);
  `,
  // 4: channel names in byte order, so a subscription prefix is a range on an index (channel names
  // are ASCII below DEL), not a scan of every channel.
  `
  CREATE INDEX channels_by_name_bytes ON channels (name COLLATE "C");
  `,
  // 5: the number of a document's last log row on its own row, so an append numbers its rows and
  // counts them in the one upsert that takes the row's lock: one statement instead of four.
  `
  ALTER TABLE documents ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;
  UPDATE documents d SET last_seq = greatest(d.log_floor, coalesce((SELECT max(seq) FROM document_log l WHERE l.name = d.name), 0));
  `,
  // 6: versions of a document: whole states (Yjs V2 updates) with their time, name and authors,
  // deleted with the document.
  `
  CREATE TABLE document_versions (
    id bigserial PRIMARY KEY,
    name text NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    created_at bigint NOT NULL,
    label text,
    auto boolean NOT NULL,
    authors jsonb NOT NULL,
    content_hash text NOT NULL,
    bytes integer NOT NULL,
    state bytea NOT NULL
  );
  CREATE INDEX document_versions_by_name ON document_versions (name, id);
  `,
  // 7: the search index: each document's title and text, and all of it folded (lower case, no
  // accents) for matching, deleted with the document.
  `
  CREATE TABLE document_search (
    name text PRIMARY KEY REFERENCES documents (name) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL,
    folded text NOT NULL
  );
  `,
  // 8: images of documents, deleted with the document; a content hash finds the same bytes again.
  `
  CREATE TABLE document_images (
    id text PRIMARY KEY,
    name text NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    content_type text NOT NULL,
    content_hash text NOT NULL,
    bytes integer NOT NULL,
    created_at bigint NOT NULL,
    data bytea NOT NULL,
    UNIQUE (name, content_hash)
  );
  `,
  // 9: names of deleted documents, so a link to one says it was deleted instead of opening an
  // empty document; storing a document under the name again ends it. Kept by triggers.
  `
  CREATE TABLE deleted_documents (
    name text PRIMARY KEY,
    deleted_at bigint NOT NULL
  );
  CREATE FUNCTION document_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO deleted_documents (name, deleted_at) VALUES (OLD.name, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
      ON CONFLICT (name) DO UPDATE SET deleted_at = excluded.deleted_at;
    RETURN NULL;
  END $$;
  CREATE FUNCTION document_created() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM deleted_documents WHERE name = NEW.name;
    RETURN NULL;
  END $$;
  CREATE TRIGGER documents_deleted AFTER DELETE ON documents FOR EACH ROW EXECUTE FUNCTION document_deleted();
  CREATE TRIGGER documents_created AFTER INSERT ON documents FOR EACH ROW EXECUTE FUNCTION document_created();
  `,
  // 10: the trash and the audit log. A deleted document keeps its rows (log, versions, images, search
  // entry) with the time and actor of its deletion until it is restored or purged; nothing reads a
  // trashed document as stored. The audit log records what administrators (and writers deleting) did.
  `
  ALTER TABLE documents ADD COLUMN trashed_at bigint;
  ALTER TABLE documents ADD COLUMN trashed_by text;
  CREATE INDEX documents_trashed ON documents (trashed_at) WHERE trashed_at IS NOT NULL;
  CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text,
    address text,
    detail text
  );
  CREATE INDEX audit_log_by_time ON audit_log (at);
  `,
]

/** Key of the advisory lock held while migrating (any number no other part of the database uses). */
const MIGRATION_LOCK = 0x7461_6e64 // "tand"

/** The schema version this build migrates to. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

// bigint columns (counts, times, sequence numbers) come back as numbers: every value Tandem stores
// in one stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

/** Milliseconds to wait for a new connection before a query fails. */
const CONNECT_TIMEOUT_MS = 5000

/** Longest one statement of the stores may run, unless DATABASE_URL's `options` set one. */
const STATEMENT_TIMEOUT = '60s'

/**
 * `connectionString` with the session settings every connection starts with, added to whatever
 * `options` parameter it already has (later settings win, so the schema is always this one; a
 * `statement_timeout` of the operator's own is kept). Passed at connection start, not with a query
 * sent on the pool's `connect` event, which would run beside the pool's first query on the client.
 */
function withSessionSettings(connectionString: string, schema: string, synchronousCommit: boolean): string {
  const url = new URL(connectionString)
  const own = url.searchParams.get('options') ?? ''
  // A transaction left open (a node stopped mid-way) cannot hold its locks for ever, nor can a
  // statement stuck behind a lock or a sick server hold its room's writes (they fail; the room
  // closes with 4500 and its clients retry).
  const settings = [`-c search_path=${schema}`, '-c idle_in_transaction_session_timeout=30s']
  if (!own.includes('statement_timeout')) settings.push(`-c statement_timeout=${STATEMENT_TIMEOUT}`)
  if (!synchronousCommit && !own.includes('synchronous_commit')) settings.push('-c synchronous_commit=off')
  url.searchParams.set('options', [own, ...settings].filter((part) => part.length > 0).join(' '))
  return url.toString()
}

/**
 * A pool on `options.connectionString` whose connections use `options.schema`, not yet migrated
 * (see {@link migrate}).
 * @throws when the schema name is not a plain identifier.
 */
export function createPool(options: PostgresOptions): pg.Pool {
  const schema = options.schema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) throw new Error(`schema ${JSON.stringify(schema)} must be a lowercase identifier`)
  const pool = new pg.Pool({
    connectionString: withSessionSettings(options.connectionString, schema, options.synchronousCommit ?? true),
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  })
  // An idle connection the server drops (restart, timeout) is an 'error' on the pool: the next query
  // gets a new connection, so it is not fatal, but unhandled it would end the process.
  pool.on('error', () => {})
  // A checked-out client has no pool listener: a connection dropped mid-transaction would be an
  // unhandled 'error' and end the process. The query in flight rejects on its own.
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

/**
 * A pool on `options.connectionString` whose schema is migrated to {@link POSTGRES_SCHEMA_VERSION}.
 * @throws when the server cannot be reached, the schema name is not a plain identifier, or the
 * database holds a newer schema than this build knows.
 */
export async function openPostgres(options: PostgresOptions): Promise<pg.Pool> {
  const pool = createPool(options)
  try {
    await migrate(pool, options.schema ?? 'public')
  } catch (error) {
    await pool.end()
    throw error
  }
  return pool
}

/** Bring `schema` (the pool's) to {@link POSTGRES_SCHEMA_VERSION}, one node at a time. */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect()
  try {
    // A migration of a large table, or the wait for another node's, may take longer than a statement may.
    await client.query('SET statement_timeout = 0')
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
      const { rows: where } = await client.query<{ schema: string }>('SELECT current_schema() AS schema')
      if (where[0]?.schema !== schema) throw new Error(`connections use schema ${String(where[0]?.schema)}, not ${schema}`)
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`)
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version')
      const current = rows[0]?.version ?? 0
      if (current > MIGRATIONS.length) {
        throw new Error(`the database's schema is at version ${current}; this build knows ${MIGRATIONS.length}: upgrade Tandem`)
      }
      for (let version = current; version < MIGRATIONS.length; version++) {
        await client.query('BEGIN')
        try {
          await client.query(MIGRATIONS[version]!)
          if (version === 0) await client.query('INSERT INTO schema_version (version) VALUES (1)')
          else await client.query('UPDATE schema_version SET version = $1', [version + 1])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK')
          throw error
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
    // Back to the session's own setting (see withSessionSettings).
    await client.query('RESET statement_timeout')
  } catch (error) {
    // Possibly without its statement timeout: not handed out again.
    client.release(true)
    throw error
  }
  client.release()
}

/** Run `work` in one transaction on a connection of `pool`: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    try {
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      // A connection that cannot even roll back is broken: destroyed rather than handed out again.
      await client
        .query('ROLLBACK')
        .catch((rollbackFailed: unknown) => (broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed))))
      throw error
    }
  } finally {
    client.release(broken)
  }
}

/**
 * Checked first in every write transaction of a store: throws when this node may not write (it does
 * not hold its schema's lock, or another node has taken over since it did).
 */
export interface WriteFence {
  check(client: pg.PoolClient): Promise<void>
}
