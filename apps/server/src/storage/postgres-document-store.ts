/**
 * {@link DocumentStore} on PostgreSQL, for several nodes sharing one database. Every append takes
 * its document's row lock (the upsert that creates or touches the row) before it numbers log rows,
 * so appends from any number of nodes get consecutive, never reused sequence numbers; a compaction
 * takes the same lock and deletes only the rows it merged, so it never drops an update another node
 * appended meanwhile. A commit is as durable as the pool's `synchronous_commit` makes it (see
 * `PostgresOptions.synchronousCommit`: off in crash-safe mode), so there is no separate
 * {@link DocumentStore.durable}.
 */
import type pg from 'pg'

import {
  type AppendResult,
  type DocumentInfo,
  type DocumentStore,
  type PackedSnapshot,
  type StoredDocument,
  type TrashedDocument,
  type UpdateBatch,
} from './document-store.js'
import { inTransaction, type WriteFence } from './postgres-database.js'
import { ENCODING_CODES, packSnapshot, storedDocument } from './snapshot-packing.js'

const INFO_COLUMNS = `SELECT name, snapshot_bytes + log_bytes AS bytes, log_rows AS "logRows", log_bytes AS "logBytes",
  created_at AS "createdAt", updated_at AS "updatedAt" FROM documents`

const TRASH_COLUMNS = `SELECT name, snapshot_bytes + log_bytes AS bytes, log_rows AS "logRows", log_bytes AS "logBytes",
  created_at AS "createdAt", updated_at AS "updatedAt", trashed_at AS "trashedAt", trashed_by AS "trashedBy" FROM documents`

const SQL = {
  /**
   * Append `$5` (n = `$3` rows of `$4` bytes) to document `$1` in one statement: the upsert takes the
   * document row's lock (a concurrent append waits for it, then sees its committed numbers) and
   * numbers the rows after the last one written, whether in the log or merged into the snapshot.
   * A document in the trash is not touched: no row comes back, and nothing is appended.
   */
  append: `WITH doc AS (
      INSERT INTO documents AS d (name, created_at, updated_at, last_seq, log_rows, log_bytes) VALUES ($1, $2::bigint, $2::bigint, $3::integer, $3::integer, $4::bigint)
      ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at, last_seq = greatest(d.last_seq, d.log_floor) + $3::integer,
        log_rows = d.log_rows + $3::integer, log_bytes = d.log_bytes + $4::bigint
      WHERE d.trashed_at IS NULL
      RETURNING d.last_seq, d.log_rows, d.log_bytes
    ), appended AS (
      INSERT INTO document_log (name, seq, data)
      SELECT $1, doc.last_seq - $3::integer + position, data FROM doc, unnest($5::bytea[]) WITH ORDINALITY AS rows (data, position)
    )
    SELECT last_seq AS "lastSeq", log_rows AS "logRows", log_bytes AS "logBytes" FROM doc`,
  selectSnapshot: `SELECT snapshot, snapshot_encoding AS encoding, greatest(log_floor, last_seq) AS "logFloor" FROM documents
    WHERE name = $1 AND trashed_at IS NULL`,
  selectFloor: `SELECT log_floor AS "logFloor" FROM documents WHERE name = $1 AND trashed_at IS NULL`,
  /** The row's lock, if the document (still) exists: a compaction must not bring a deleted one back. */
  lockFloor: `SELECT log_floor AS "logFloor" FROM documents WHERE name = $1 AND trashed_at IS NULL FOR UPDATE`,
  selectLogAfter: `SELECT seq, data FROM document_log WHERE name = $1 AND seq > $2 ORDER BY seq`,
  /** The last row number of each document, whether its row is in the log or merged into the snapshot. */
  heads: `SELECT name, greatest(log_floor, last_seq) AS head FROM documents WHERE name = ANY($1)`,
  selectLog: `SELECT seq, data FROM document_log WHERE name = $1 ORDER BY seq`,
  deleteLogThrough: `DELETE FROM document_log WHERE name = $1 AND seq <= $2`,
  setSnapshot: `UPDATE documents SET snapshot = $2, snapshot_encoding = $3, snapshot_bytes = $4, log_floor = greatest(log_floor, $5),
    (log_rows, log_bytes) = (SELECT count(*), coalesce(sum(length(data)), 0) FROM document_log WHERE name = $1) WHERE name = $1`,
  selectInfo: `${INFO_COLUMNS} WHERE name = $1 AND trashed_at IS NULL`,
  // Byte order, as the other stores sort.
  listInfo: `${INFO_COLUMNS} WHERE trashed_at IS NULL ORDER BY name COLLATE "C"`,
  count: `SELECT count(*)::integer AS count FROM documents`,
  trash: `UPDATE documents SET trashed_at = $2, trashed_by = $3 WHERE name = $1 AND trashed_at IS NULL`,
  restore: `UPDATE documents SET trashed_at = NULL, trashed_by = NULL WHERE name = $1 AND trashed_at IS NOT NULL`,
  selectTrashed: `${TRASH_COLUMNS} WHERE name = $1 AND trashed_at IS NOT NULL`,
  listTrashed: `${TRASH_COLUMNS} WHERE trashed_at IS NOT NULL ORDER BY trashed_at DESC, name COLLATE "C"`,
  deleteDocument: `DELETE FROM documents WHERE name = $1`,
  purgeTrashed: `DELETE FROM documents WHERE name = $1 AND trashed_at IS NOT NULL AND trashed_at <= $2`,
  deletedAt: `SELECT coalesce((SELECT trashed_at FROM documents WHERE name = $1),
    (SELECT deleted_at FROM deleted_documents WHERE name = $1)) AS "deletedAt"`,
} as const

/** Documents in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresDocumentStore implements DocumentStore {
  readonly #pool: pg.Pool
  readonly #fence: WriteFence | undefined

  /** `fence`: checked first in every write (see {@link WriteFence}); none for a store that is alone on its schema. */
  constructor(pool: pg.Pool, fence?: WriteFence) {
    this.#pool = pool
    this.#fence = fence
  }

  async load(name: string): Promise<StoredDocument | null> {
    // One snapshot of the database for both reads: a compaction between them would otherwise hand out
    // the new snapshot together with rows it already holds, or the old one without rows it deleted.
    const read = await inTransaction(this.#pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const row = await client.query<{ snapshot: Buffer | null; encoding: number; logFloor: number }>(SQL.selectSnapshot, [name])
      if (row.rows.length === 0) return null
      const log = await client.query<{ seq: number; data: Buffer }>(SQL.selectLog, [name])
      return { row: row.rows[0]!, log: log.rows }
    })
    if (!read) return null
    const stored = await storedDocument(read.row.snapshot, read.row.encoding, read.log)
    // Numbering goes on from the floor when compaction emptied the log: `lastSeq` is the last row ever written.
    return { ...stored, lastSeq: Math.max(stored.lastSeq, read.row.logFloor) }
  }

  /**
   * The log rows of `name` after row `afterSeq`, or `null` when some of them were merged into the
   * snapshot since (read the whole document instead). Empty when the document does not exist.
   */
  async logAfter(name: string, afterSeq: number): Promise<Array<{ seq: number; update: Uint8Array }> | null> {
    return inTransaction(this.#pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const floor = (await client.query<{ logFloor: number }>(SQL.selectFloor, [name])).rows[0]?.logFloor
      if (floor === undefined) return []
      if (afterSeq < floor) return null
      const { rows } = await client.query<{ seq: number; data: Buffer }>(SQL.selectLogAfter, [name, afterSeq])
      return rows.map((row) => ({ seq: row.seq, update: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) }))
    })
  }

  /** The number of the last row written to each of `names` that exists (see {@link load}'s `lastSeq`). */
  async heads(names: readonly string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map()
    const { rows } = await this.#pool.query<{ name: string; head: number }>(SQL.heads, [names])
    return new Map(rows.map((row) => [row.name, row.head]))
  }

  packSnapshot(snapshot: Uint8Array): Promise<PackedSnapshot> {
    return packSnapshot(snapshot)
  }

  async appendUpdates(batches: readonly UpdateBatch[]): Promise<AppendResult[]> {
    if (batches.length === 0) return []
    const now = Date.now()
    const appendOne = async (client: pg.Pool | pg.PoolClient, { name, updates }: UpdateBatch): Promise<AppendResult> => {
      const data = updates.map((update) => Buffer.from(update.buffer, update.byteOffset, update.byteLength))
      const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0)
      // Named: each connection parses and plans it once, not on every keystroke.
      const { rows } = await client.query<Omit<AppendResult, 'name'>>({
        name: 'tandem-append',
        text: SQL.append,
        values: [name, now, updates.length, bytes, data],
      })
      if (rows.length === 0) return { name, lastSeq: 0, logRows: 0, logBytes: 0, trashed: true }
      return { name, ...rows[0]! }
    }
    // One document and no fence: one statement, atomic by itself (the common case: one room's keystrokes).
    if (batches.length === 1 && !this.#fence) return [await appendOne(this.#pool, batches[0]!)]
    // Rows are locked in name order: two nodes appending to the same documents cannot deadlock.
    const ordered = [...batches.entries()].sort(([, a], [, b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      const results = new Array<AppendResult>(batches.length)
      for (const [index, batch] of ordered) results[index] = await appendOne(client, batch)
      return results
    })
  }

  async compact(name: string, snapshot: PackedSnapshot, throughSeq: number): Promise<void> {
    const { bytes, encoding } = snapshot
    await inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      const floor = (await client.query<{ logFloor: number }>(SQL.lockFloor, [name])).rows[0]?.logFloor
      // Deleted meanwhile, or already merged further by another node (whose snapshot holds more):
      // replacing that snapshot with this one would lose the rows between.
      if (floor === undefined || throughSeq <= floor) return
      await client.query(SQL.deleteLogThrough, [name, throughSeq])
      const stored = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      await client.query(SQL.setSnapshot, [name, stored, ENCODING_CODES[encoding], bytes.byteLength, throughSeq])
    })
  }

  async info(name: string): Promise<DocumentInfo | null> {
    return (await this.#pool.query<DocumentInfo>(SQL.selectInfo, [name])).rows[0] ?? null
  }

  async list(): Promise<DocumentInfo[]> {
    return (await this.#pool.query<DocumentInfo>(SQL.listInfo)).rows
  }

  async count(): Promise<number> {
    return (await this.#pool.query<{ count: number }>(SQL.count)).rows[0]!.count
  }

  async trash(name: string, by: string): Promise<boolean> {
    return this.#write(SQL.trash, [name, Date.now(), by])
  }

  async restore(name: string): Promise<boolean> {
    return this.#write(SQL.restore, [name])
  }

  async purge(name: string, trashedBefore = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    return this.#write(SQL.purgeTrashed, [name, trashedBefore])
  }

  async trashed(name: string): Promise<TrashedDocument | null> {
    return (await this.#pool.query<TrashedDocument>(SQL.selectTrashed, [name])).rows[0] ?? null
  }

  async trashList(): Promise<TrashedDocument[]> {
    return (await this.#pool.query<TrashedDocument>(SQL.listTrashed)).rows
  }

  async delete(name: string): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      return ((await client.query(SQL.deleteDocument, [name])).rowCount ?? 0) > 0
    })
  }

  async deletedAt(name: string): Promise<number | null> {
    const deletedAt = (await this.#pool.query<{ deletedAt: number | string | null }>(SQL.deletedAt, [name])).rows[0]?.deletedAt
    return deletedAt === undefined || deletedAt === null ? null : Number(deletedAt)
  }

  /** Run a write of one statement behind the fence; `true` when it changed a row. */
  async #write(text: string, values: unknown[]): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      return ((await client.query(text, values)).rowCount ?? 0) > 0
    })
  }

  /** Nothing to release: the pool is its opener's to end. */
  async close(): Promise<void> {}
}
