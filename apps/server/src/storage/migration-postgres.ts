/**
 * The PostgreSQL side of a move between stores (see `migration-side.ts`): the schema opened as a
 * single node opens it (`openPostgresStorage`: its advisory lock, the migrations, a new fencing token),
 * so a node already serving the schema makes the copy refuse, and a node started meanwhile is refused.
 * Rows are read and written on a pool of its own; every write transaction checks the fencing token
 * first, as a node's writes do, so nothing is written once another node has taken the schema.
 */
import type pg from 'pg'

import {
  type Column,
  type CompactedDocument,
  type DocumentRecord,
  type IdFloors,
  type MigrationSide,
  NUMBERED_TABLES,
  quoted,
  type Row,
  StoreInUseError,
  type TableSpec,
} from './migration-side.js'
import { createPool, inTransaction } from './postgres-database.js'
import { openPostgresStorage, type PostgresStorage, SchemaInUseError } from './postgres-storage.js'
import { ENCODING_CODES, storedDocument } from './snapshot-packing.js'

const SQL = {
  epoch: `SELECT epoch FROM node_epoch WHERE id = 1`,
  fence: `SELECT epoch FROM node_epoch WHERE id = 1 FOR SHARE`,
  names: `SELECT name FROM documents ORDER BY name COLLATE "C"`,
  document: `SELECT snapshot, snapshot_encoding AS encoding, greatest(log_floor, last_seq) AS "logFloor", created_at AS "createdAt",
    updated_at AS "updatedAt", trashed_at AS "trashedAt", trashed_by AS "trashedBy" FROM documents WHERE name = $1`,
  log: `SELECT seq, data FROM document_log WHERE name = $1 ORDER BY seq`,
  // The floor covers the destination's own log rows too (deleted just after): numbering never goes back.
  putDocument: `INSERT INTO documents AS d (name, snapshot, snapshot_encoding, snapshot_bytes, log_rows, log_bytes, log_floor, last_seq,
      created_at, updated_at, trashed_at, trashed_by) VALUES ($1, $2, $3, $4, 0, 0, $5, $5, $6, $7, $8, $9)
    ON CONFLICT (name) DO UPDATE SET snapshot = EXCLUDED.snapshot, snapshot_encoding = EXCLUDED.snapshot_encoding,
      snapshot_bytes = EXCLUDED.snapshot_bytes, log_rows = 0, log_bytes = 0,
      log_floor = greatest(d.log_floor, d.last_seq, EXCLUDED.log_floor), last_seq = greatest(d.log_floor, d.last_seq, EXCLUDED.log_floor),
      created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, trashed_at = EXCLUDED.trashed_at, trashed_by = EXCLUDED.trashed_by`,
  emptyLog: `DELETE FROM document_log WHERE name = $1`,
  dropSearchEntry: `DELETE FROM document_search WHERE name = $1`,
  messageFloor: `SELECT greatest((SELECT last_id FROM message_counter WHERE id = 1), (SELECT coalesce(max(id), 0) FROM channel_messages)) AS id`,
  raiseMessageFloor: `UPDATE message_counter SET last_id = greatest(last_id, $1, (SELECT coalesce(max(id), 0) FROM channel_messages)) WHERE id = 1`,
} as const

/** The highest id a bigserial table handed out: its sequence's last value (null before its first), or a higher stored id. */
const sequenceFloor = (table: string): string =>
  `SELECT greatest(coalesce(pg_sequence_last_value(pg_get_serial_sequence('${table}', 'id')::regclass), 0),
    (SELECT coalesce(max(id), 0) FROM ${table})) AS id`

/** Move a bigserial table's sequence to at least `$1` (setval: the next id is one more). */
const raiseSequence = (table: string): string =>
  `SELECT setval(pg_get_serial_sequence('${table}', 'id'), floor.id) FROM (SELECT greatest($1::bigint,
      coalesce(pg_sequence_last_value(pg_get_serial_sequence('${table}', 'id')::regclass), 0),
      (SELECT coalesce(max(id), 0) FROM ${table})) AS id) AS floor
    WHERE floor.id > 0`

/** PostgreSQL's array type for a column's values, and how a value of the array becomes the column's. */
const ARRAY_TYPES: Record<Column['kind'], { array: string; cast: string }> = {
  integer: { array: 'bigint[]', cast: '' },
  text: { array: 'text[]', cast: '' },
  bytes: { array: 'bytea[]', cast: '' },
  boolean: { array: 'boolean[]', cast: '' },
  json: { array: 'text[]', cast: '::jsonb' },
}

/** A key column in byte order, as SQLite orders it, whatever the database's collation. */
const ordered = (table: TableSpec, name: string): string =>
  table.columns.find((column) => column.name === name)?.kind === 'text' ? `${quoted(name)} COLLATE "C"` : quoted(name)

/**
 * Hold `schema` of the database at `url` as a single node would, migrated to this build's schema.
 * @throws {StoreInUseError} when a Tandem node (or a cluster) serves the schema.
 */
export async function openPostgresSide(url: string, schema: string): Promise<MigrationSide> {
  let lost: Error | null = null
  let storage: PostgresStorage
  try {
    storage = await openPostgresStorage(url, schema, { onLockLost: (error) => (lost = error) })
  } catch (error) {
    if (error instanceof SchemaInUseError) throw new StoreInUseError(`${error.message}: stop it first`)
    throw error
  }
  const pool = createPool({ connectionString: url, schema, maxConnections: 2 })
  try {
    const epoch = (await pool.query<{ epoch: number }>(SQL.epoch)).rows[0]!.epoch
    return new PostgresSide(storage, pool, epoch, () => lost)
  } catch (error) {
    await pool.end()
    await storage.close()
    throw error
  }
}

class PostgresSide implements MigrationSide {
  readonly description: string
  readonly documents: PostgresStorage['documents']
  readonly #storage: PostgresStorage
  readonly #pool: pg.Pool
  readonly #epoch: number
  readonly #lost: () => Error | null

  constructor(storage: PostgresStorage, pool: pg.Pool, epoch: number, lost: () => Error | null) {
    this.#storage = storage
    this.#pool = pool
    this.#epoch = epoch
    this.#lost = lost
    this.description = storage.where
    this.documents = storage.documents
  }

  async documentNames(): Promise<string[]> {
    return (await this.#pool.query<{ name: string }>(SQL.names)).rows.map((row) => row.name)
  }

  async readDocument(name: string): Promise<DocumentRecord | null> {
    const read = await inTransaction(this.#pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const row = (await client.query<DocumentRow>(SQL.document, [name])).rows[0]
      return row && { row, log: (await client.query<{ seq: number; data: Buffer }>(SQL.log, [name])).rows }
    })
    if (!read) return null
    const { row, log } = read
    const stored = await storedDocument(row.snapshot, row.encoding, log)
    return {
      name,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      trashedAt: row.trashedAt,
      trashedBy: row.trashedBy,
      head: Math.max(row.logFloor, stored.lastSeq),
      parts: stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates,
    }
  }

  async writeDocuments(documents: readonly CompactedDocument[]): Promise<void> {
    await this.#write(async (client) => {
      for (const document of documents) {
        const { snapshot } = document
        const bytes = snapshot && Buffer.from(snapshot.bytes.buffer, snapshot.bytes.byteOffset, snapshot.bytes.byteLength)
        await client.query(SQL.putDocument, [
          document.name,
          bytes,
          snapshot ? ENCODING_CODES[snapshot.encoding] : 0,
          bytes ? bytes.byteLength : 0,
          document.head,
          document.createdAt,
          document.updatedAt,
          document.trashedAt,
          document.trashedBy,
        ])
        await client.query(SQL.emptyLog, [document.name])
        if (document.reindex) await client.query(SQL.dropSearchEntry, [document.name])
      }
    })
  }

  async readRows(table: TableSpec, after: readonly (number | string)[] | null): Promise<Row[]> {
    const columns = table.columns.map((column) =>
      column.kind === 'json' ? `${quoted(column.name)}::text AS ${quoted(column.name)}` : quoted(column.name),
    )
    const key = table.key.map((name) => ordered(table, name)).join(', ')
    const where = after ? `WHERE (${key}) > (${table.key.map((_, index) => `$${index + 1}`).join(', ')})` : ''
    const sql = `SELECT ${columns.join(', ')} FROM ${table.name} ${where} ORDER BY ${key} LIMIT ${table.pageRows}`
    return (await this.#pool.query<Row>(sql, after ? [...after] : [])).rows
  }

  async writeRows(table: TableSpec, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return
    const names = table.columns.map((column) => quoted(column.name))
    const arrays = table.columns.map((column, index) => `$${index + 1}::${ARRAY_TYPES[column.kind].array}`)
    const values = table.columns.map((column) => `u.${quoted(column.name)}${ARRAY_TYPES[column.kind].cast}`)
    const updates = table.columns
      .filter((column) => !table.key.includes(column.name))
      .map((column) => `${quoted(column.name)} = EXCLUDED.${quoted(column.name)}`)
    const sql = `INSERT INTO ${table.name} (${names.join(', ')}) SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS u (${names.join(', ')})
      ON CONFLICT (${table.key.map(quoted).join(', ')}) DO UPDATE SET ${updates.join(', ')}`
    const parameters = table.columns.map((column) => rows.map((row) => row[column.name] ?? null))
    await this.#write((client) => client.query(sql, parameters))
  }

  async countRows(table: TableSpec): Promise<number> {
    return (await this.#pool.query<{ count: number }>(`SELECT count(*) AS count FROM ${table.name}`)).rows[0]!.count
  }

  async idFloors(): Promise<IdFloors> {
    const floor = async (sql: string): Promise<number> => (await this.#pool.query<{ id: number }>(sql)).rows[0]!.id
    return {
      channel_messages: await floor(SQL.messageFloor),
      document_versions: await floor(sequenceFloor('document_versions')),
      audit_log: await floor(sequenceFloor('audit_log')),
    }
  }

  async raiseIdFloors(floors: IdFloors): Promise<void> {
    await this.#write(async (client) => {
      for (const table of NUMBERED_TABLES) {
        await client.query(table === 'channel_messages' ? SQL.raiseMessageFloor : raiseSequence(table), [floors[table]])
      }
    })
  }

  async close(): Promise<void> {
    await this.#pool.end()
    await this.#storage.close()
  }

  /** `work` in one transaction, refused once another node has taken the schema (or this side lost its hold for good). */
  async #write(work: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
    const lost = this.#lost()
    if (lost) throw new StoreInUseError(`${lost.message}; the copy stopped`)
    await inTransaction(this.#pool, async (client) => {
      const epoch = (await client.query<{ epoch: number }>(SQL.fence)).rows[0]?.epoch
      if (epoch !== this.#epoch) throw new StoreInUseError(`a Tandem node took ${this.description} while the copy ran; the copy stopped`)
      await work(client)
    })
  }
}

/** A document's row as {@link SQL.document} reads it. */
interface DocumentRow {
  snapshot: Buffer | null
  encoding: number
  logFloor: number
  createdAt: number
  updatedAt: number
  trashedAt: number | null
  trashedBy: string | null
}
