/**
 * {@link DocumentStore} on PostgreSQL, for several nodes sharing one database. Every append takes
 * its document's row lock (the upsert that creates or touches the row) before it numbers log rows,
 * so appends from any number of nodes get consecutive, never reused sequence numbers; a compaction
 * takes the same lock and deletes only the rows it merged, so it never drops an update another node
 * appended meanwhile. A committed transaction is durable (PostgreSQL's `synchronous_commit`), so
 * there is no separate {@link DocumentStore.durable}.
 */
import type pg from 'pg'

import type { AppendResult, DocumentInfo, DocumentStore, PackedSnapshot, StoredDocument, UpdateBatch } from './document-store.js'
import { inTransaction, type WriteFence } from './postgres-database.js'
import { ENCODING_CODES, packSnapshot, storedDocument } from './snapshot-packing.js'

const INFO_COLUMNS = `SELECT name, snapshot_bytes + log_bytes AS bytes, log_rows AS "logRows", log_bytes AS "logBytes",
  created_at AS "createdAt", updated_at AS "updatedAt" FROM documents`

const SQL = {
  /** Create or touch the row, taking its lock until the transaction ends. */
  lockDocument: `INSERT INTO documents (name, created_at, updated_at) VALUES ($1, $2, $2)
    ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING log_floor AS "logFloor"`,
  lastSeq: `SELECT coalesce(max(seq), 0) AS "lastSeq" FROM document_log WHERE name = $1`,
  appendUpdates: `INSERT INTO document_log (name, seq, data)
    SELECT $1, $2 + position, data FROM unnest($3::bytea[]) WITH ORDINALITY AS appended (data, position)`,
  addTotals: `UPDATE documents SET log_rows = log_rows + $2, log_bytes = log_bytes + $3 WHERE name = $1
    RETURNING log_rows AS "logRows", log_bytes AS "logBytes"`,
  selectSnapshot: `SELECT snapshot, snapshot_encoding AS encoding, log_floor AS "logFloor" FROM documents WHERE name = $1`,
  selectFloor: `SELECT log_floor AS "logFloor" FROM documents WHERE name = $1`,
  /** The row's lock, if the document (still) exists: a compaction must not bring a deleted one back. */
  lockFloor: `SELECT log_floor AS "logFloor" FROM documents WHERE name = $1 FOR UPDATE`,
  selectLogAfter: `SELECT seq, data FROM document_log WHERE name = $1 AND seq > $2 ORDER BY seq`,
  /** The last row number of each document, whether its row is in the log or merged into the snapshot. */
  heads: `SELECT d.name, greatest(d.log_floor, coalesce((SELECT max(seq) FROM document_log l WHERE l.name = d.name), 0)) AS head
    FROM documents d WHERE d.name = ANY($1)`,
  selectLog: `SELECT seq, data FROM document_log WHERE name = $1 ORDER BY seq`,
  deleteLogThrough: `DELETE FROM document_log WHERE name = $1 AND seq <= $2`,
  setSnapshot: `UPDATE documents SET snapshot = $2, snapshot_encoding = $3, snapshot_bytes = $4, log_floor = greatest(log_floor, $5),
    (log_rows, log_bytes) = (SELECT count(*), coalesce(sum(length(data)), 0) FROM document_log WHERE name = $1) WHERE name = $1`,
  selectInfo: `${INFO_COLUMNS} WHERE name = $1`,
  // Byte order, as the other stores sort.
  listInfo: `${INFO_COLUMNS} ORDER BY name COLLATE "C"`,
  deleteDocument: `DELETE FROM documents WHERE name = $1`,
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
    // Rows are locked in name order: two nodes appending to the same documents cannot deadlock.
    const ordered = [...batches.entries()].sort(([, a], [, b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      const results = new Array<AppendResult>(batches.length)
      for (const [index, { name, updates }] of ordered) {
        const { logFloor } = (await client.query<{ logFloor: number }>(SQL.lockDocument, [name, now])).rows[0]!
        const { lastSeq } = (await client.query<{ lastSeq: number }>(SQL.lastSeq, [name])).rows[0]!
        const first = Math.max(lastSeq, logFloor)
        const data = updates.map((update) => Buffer.from(update.buffer, update.byteOffset, update.byteLength))
        await client.query(SQL.appendUpdates, [name, first, data])
        const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0)
        const totals = (await client.query<{ logRows: number; logBytes: number }>(SQL.addTotals, [name, updates.length, bytes])).rows[0]!
        results[index] = { name, lastSeq: first + updates.length, logRows: totals.logRows, logBytes: totals.logBytes }
      }
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

  async delete(name: string): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      return ((await client.query(SQL.deleteDocument, [name])).rowCount ?? 0) > 0
    })
  }

  /** Nothing to release: the pool is its opener's to end. */
  async close(): Promise<void> {}
}
