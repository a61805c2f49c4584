/**
 * {@link DocumentStore} on SQLite through better-sqlite3: WAL journal, a busy timeout, and every
 * append batch in one transaction. better-sqlite3 is synchronous, so a method has finished its write
 * (and, with `synchronous = FULL`, its fsync) by the time its promise exists; with `NORMAL` and a
 * `durable` option, that option says when the write is on the disk.
 */
import type { Statement } from 'better-sqlite3'

import {
  type AppendResult,
  type DocumentInfo,
  type DocumentStore,
  type PackedSnapshot,
  type StoredDocument,
  type TrashedDocument,
  type UpdateBatch,
} from './document-store.js'
import { ENCODING_CODES, packSnapshot, storedDocument } from './snapshot-packing.js'
import {
  type Database,
  prepareAll,
  reclaimFreePages,
  resolveDatabase,
  type SqliteOptions,
  type SqliteStoreOptions,
} from './sqlite-database.js'

const INFO_COLUMNS = `SELECT name, snapshot_bytes + log_bytes AS bytes, log_rows AS logRows, log_bytes AS logBytes,
  created_at AS createdAt, updated_at AS updatedAt FROM documents`

/** A document's row as `load` reads it. */
interface StoredRow {
  snapshot: Buffer | null
  encoding: number
  logRows: number
  logBytes: number
  updatedAt: number
  logFloor: number
}

/** A document's log as counted from its rows. */
interface LogTotals {
  logRows: number
  logBytes: number
  lastSeq: number
}

/** How often a document's row takes its log totals and time of change while updates are appended. */
const TOTALS_INTERVAL_MS = 1000
/** Documents whose log totals are kept here at most (those written to the row are dropped first). */
const MAX_KNOWN_LOGS = 10_000

/**
 * A document's log as this store knows it. The row's `log_rows`, `log_bytes` and `updated_at` are
 * written at most every {@link TOTALS_INTERVAL_MS} while updates stream in (an UPDATE of the row in
 * every commit cost as much as the insert itself), and whenever the row is read.
 */
interface KnownLog {
  rows: number
  bytes: number
  /** The document's highest sequence number so far: the next row takes the one after. */
  lastSeq: number
  updatedAt: number
  /** When the row last took the totals. */
  writtenAt: number
}

const TRASH_COLUMNS = `SELECT name, snapshot_bytes + log_bytes AS bytes, log_rows AS logRows, log_bytes AS logBytes,
  created_at AS createdAt, updated_at AS updatedAt, trashed_at AS trashedAt, trashed_by AS trashedBy FROM documents`

const SQL = {
  ensureDocument: `INSERT INTO documents (name, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
  isTrashed: `SELECT 1 FROM documents WHERE name = ? AND trashed_at IS NOT NULL`,
  appendUpdate: `INSERT INTO document_log (name, seq, data) VALUES (?, ?, ?)`,
  setLogTotals: `UPDATE documents SET log_rows = ?, log_bytes = ?, updated_at = ? WHERE name = ?`,
  selectSnapshot: `SELECT snapshot, snapshot_encoding AS encoding, log_rows AS logRows, log_bytes AS logBytes, updated_at AS updatedAt,
    log_floor AS logFloor FROM documents WHERE name = ? AND trashed_at IS NULL`,
  selectLog: `SELECT seq, data FROM document_log WHERE name = ? ORDER BY seq`,
  deleteLogThrough: `DELETE FROM document_log WHERE name = ? AND seq <= ?`,
  logTotals: `SELECT count(l.seq) AS logRows, coalesce(sum(length(l.data)), 0) AS logBytes, max(coalesce(max(l.seq), 0), d.log_floor) AS lastSeq
    FROM documents AS d LEFT JOIN document_log AS l ON l.name = d.name WHERE d.name = ?`,
  raiseLogFloor: `UPDATE documents SET log_floor = max(log_floor, ?) WHERE name = ?`,
  setSnapshot: `UPDATE documents SET snapshot = ?, snapshot_encoding = ?, snapshot_bytes = ?, log_rows = ?, log_bytes = ? WHERE name = ?`,
  selectInfo: `${INFO_COLUMNS} WHERE name = ? AND trashed_at IS NULL`,
  listInfo: `${INFO_COLUMNS} WHERE trashed_at IS NULL ORDER BY name`,
  count: `SELECT count(*) AS count FROM documents`,
  trash: `UPDATE documents SET trashed_at = ?, trashed_by = ? WHERE name = ? AND trashed_at IS NULL`,
  restore: `UPDATE documents SET trashed_at = NULL, trashed_by = NULL WHERE name = ? AND trashed_at IS NOT NULL`,
  selectTrashed: `${TRASH_COLUMNS} WHERE name = ? AND trashed_at IS NOT NULL`,
  listTrashed: `${TRASH_COLUMNS} WHERE trashed_at IS NOT NULL ORDER BY trashed_at DESC, name`,
  deleteDocument: `DELETE FROM documents WHERE name = ?`,
  purgeTrashed: `DELETE FROM documents WHERE name = ? AND trashed_at IS NOT NULL AND trashed_at <= ?`,
  deletedAt: `SELECT coalesce((SELECT trashed_at FROM documents WHERE name = ?),
    (SELECT deleted_at FROM deleted_documents WHERE name = ?)) AS deletedAt`,
} as const

/**
 * Documents in a SQLite file. One instance per database: it keeps what it knows of each log (see
 * {@link KnownLog}), which another writer of the same tables would make wrong.
 */
export class SqliteDocumentStore implements DocumentStore {
  readonly #db: Database
  readonly #ownsDb: boolean
  readonly #stmt: Record<keyof typeof SQL, Statement>
  readonly #appendTransaction: (
    batches: readonly UpdateBatch[],
    now: number,
  ) => { result: AppendResult; log: KnownLog | null; owed: boolean }[]
  readonly #compactTransaction: (name: string, snapshot: PackedSnapshot, throughSeq: number) => { logRows: number; logBytes: number } | null
  readonly #writeTotalsTransaction: (names: readonly string[]) => void
  /** Log totals of the documents appended to since opening, least recently appended first. */
  readonly #known = new Map<string, KnownLog>()
  /** The documents whose row lacks the latest of its totals: written before anything reads rows. */
  readonly #owed = new Set<string>()

  /** Present when commits do not sync (power-safe mode's {@link LogSync}); see {@link DocumentStore.durable}. */
  readonly durable?: () => Promise<void>

  /**
   * Use a shared database (its owner closes it), or open one from options (closed by `close()`).
   * `durable`: how to wait until commits survive a power cut, when they do not by themselves.
   */
  constructor(source: Database | SqliteOptions, options: SqliteStoreOptions = {}) {
    const { db, owned } = resolveDatabase(source)
    this.#db = db
    this.#ownsDb = owned
    if (options.durable) this.durable = options.durable
    this.#stmt = prepareAll(this.#db, SQL)

    this.#appendTransaction = this.#db.transaction((batches: readonly UpdateBatch[], now: number) =>
      batches.map(({ name, updates }) => {
        let log = this.#known.get(name)
        if (!log) {
          // First append since this store opened (or since the document was trashed or restored): the
          // row's totals may lag a crash, so count the log.
          this.#stmt.ensureDocument.run(name, now, now)
          if (this.#stmt.isTrashed.get(name)) {
            return { result: { name, lastSeq: 0, logRows: 0, logBytes: 0, trashed: true as const }, log: null, owed: false }
          }
          const totals = this.#stmt.logTotals.get(name) as LogTotals
          log = {
            rows: totals.logRows,
            bytes: totals.logBytes,
            lastSeq: totals.lastSeq,
            updatedAt: now,
            writtenAt: Number.NEGATIVE_INFINITY,
          }
        }
        let { rows, bytes, lastSeq } = log
        for (const update of updates) {
          this.#stmt.appendUpdate.run(name, ++lastSeq, update)
          rows++
          bytes += update.byteLength
        }
        const write = now - log.writtenAt >= TOTALS_INTERVAL_MS
        if (write) this.#stmt.setLogTotals.run(rows, bytes, now, name)
        const known: KnownLog = { rows, bytes, lastSeq, updatedAt: now, writtenAt: write ? now : log.writtenAt }
        return { result: { name, lastSeq, logRows: rows, logBytes: bytes }, log: known, owed: !write }
      }),
    )

    this.#writeTotalsTransaction = this.#db.transaction((names: readonly string[]) => {
      for (const name of names) {
        const log = this.#known.get(name)!
        this.#stmt.setLogTotals.run(log.rows, log.bytes, log.updatedAt, name)
      }
    })

    this.#compactTransaction = this.#db.transaction(
      (name: string, snapshot: PackedSnapshot, throughSeq: number): { logRows: number; logBytes: number } | null => {
        const now = Date.now()
        this.#stmt.ensureDocument.run(name, now, now)
        // Trashed meanwhile: kept as it was deleted.
        if (this.#stmt.isTrashed.get(name)) return null
        this.#stmt.deleteLogThrough.run(name, throughSeq)
        // The log may be empty now: its next row must still come after the ones just deleted.
        this.#stmt.raiseLogFloor.run(throughSeq, name)
        const { logRows, logBytes } = this.#stmt.logTotals.get(name) as LogTotals
        const { bytes, encoding } = snapshot
        this.#stmt.setSnapshot.run(bytes, ENCODING_CODES[encoding], bytes.byteLength, logRows, logBytes, name)
        reclaimFreePages(this.#db)
        return { logRows, logBytes }
      },
    )
  }

  async load(name: string): Promise<StoredDocument | null> {
    const read = this.#db.transaction(() => {
      const row = this.#stmt.selectSnapshot.get(name) as StoredRow | undefined
      if (!row) return null
      const log = this.#stmt.selectLog.all(name) as Array<{ seq: number; data: Buffer }>
      return { row, log }
    })()
    if (!read) return null
    const { row, log } = read
    const bytes = log.reduce((sum, entry) => sum + entry.data.byteLength, 0)
    if (!this.#known.has(name) && (row.logRows !== log.length || row.logBytes !== bytes)) {
      // A crash left the row's totals behind its log: they are written before anything reads them.
      const lastSeq = Math.max(log.at(-1)?.seq ?? 0, row.logFloor)
      this.#remember(name, { rows: log.length, bytes, lastSeq, updatedAt: row.updatedAt, writtenAt: Number.NEGATIVE_INFINITY }, true)
    }
    // Inflated on libuv's thread pool, after the read transaction: the rows are already in hand.
    return storedDocument(row.snapshot, row.encoding, log)
  }

  /** Deflated on libuv's thread pool when it is large enough and deflating makes it smaller. */
  packSnapshot(snapshot: Uint8Array): Promise<PackedSnapshot> {
    return packSnapshot(snapshot)
  }

  async appendUpdates(batches: readonly UpdateBatch[]): Promise<AppendResult[]> {
    const appended = this.#appendTransaction(batches, Date.now())
    // Only once committed: a rolled-back append leaves what was known as it was.
    for (const { result, log, owed } of appended) if (log) this.#remember(result.name, log, owed)
    return appended.map(({ result }) => result)
  }

  async compact(name: string, snapshot: PackedSnapshot, throughSeq: number): Promise<void> {
    const compacted = this.#compactTransaction(name, snapshot, throughSeq)
    if (!compacted) return
    const { logRows, logBytes } = compacted
    // The row now has these totals; its time of change is still owed if it was.
    const known = this.#known.get(name)
    if (known) this.#known.set(name, { ...known, rows: logRows, bytes: logBytes })
  }

  async info(name: string): Promise<DocumentInfo | null> {
    this.#tryWriteTotals()
    return (this.#stmt.selectInfo.get(name) as DocumentInfo | undefined) ?? null
  }

  async list(): Promise<DocumentInfo[]> {
    this.#tryWriteTotals()
    return this.#stmt.listInfo.all() as DocumentInfo[]
  }

  async count(): Promise<number> {
    return (this.#stmt.count.get() as { count: number }).count
  }

  async trash(name: string, by: string): Promise<boolean> {
    this.#tryWriteTotals()
    const trashed = this.#stmt.trash.run(Date.now(), by, name).changes > 0
    // The next append counts again, and finds the document trashed.
    this.#known.delete(name)
    this.#owed.delete(name)
    if (trashed) await this.durable?.()
    return trashed
  }

  async restore(name: string): Promise<boolean> {
    const restored = this.#stmt.restore.run(name).changes > 0
    if (restored) await this.durable?.()
    return restored
  }

  async trashed(name: string): Promise<TrashedDocument | null> {
    return (this.#stmt.selectTrashed.get(name) as TrashedDocument | undefined) ?? null
  }

  async trashList(): Promise<TrashedDocument[]> {
    return this.#stmt.listTrashed.all() as TrashedDocument[]
  }

  async purge(name: string, trashedBefore = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    return this.#remove(this.#stmt.purgeTrashed, name, trashedBefore)
  }

  async delete(name: string): Promise<boolean> {
    return this.#remove(this.#stmt.deleteDocument, name)
  }

  /** Run `statement` (a DELETE of `name`'s row, with `more` parameters) and forget what was known of it. */
  async #remove(statement: Statement, name: string, ...more: unknown[]): Promise<boolean> {
    const deleted = this.#db.transaction(() => {
      const deleted = statement.run(name, ...more).changes > 0
      reclaimFreePages(this.#db)
      return deleted
    })()
    this.#known.delete(name)
    this.#owed.delete(name)
    // Deleted stays deleted through a power cut, once the caller hears of it.
    if (deleted) await this.durable?.()
    return deleted
  }

  async deletedAt(name: string): Promise<number | null> {
    return (this.#stmt.deletedAt.get(name, name) as { deletedAt: number } | undefined)?.deletedAt ?? null
  }

  /** The database it writes to (the version store shares it). */
  get database(): Database {
    return this.#db
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#writeTotals()
    if (this.#ownsDb && this.#db.open) this.#db.close()
  }

  /**
   * {@link #writeTotals} for a read: one that cannot write (a full disk, a busy database) still
   * answers, with totals up to a second behind, and the rows stay owed for the next try.
   */
  #tryWriteTotals(): void {
    try {
      this.#writeTotals()
    } catch {
      // The rows stay owed.
    }
  }

  /** Give every row the log totals it has not taken yet. */
  #writeTotals(): void {
    if (this.#owed.size === 0) return
    this.#writeTotalsTransaction([...this.#owed])
    this.#owed.clear()
  }

  /** Keep `log` as what is known of `name`'s (`owed` when its row lacks it), most recent last; past the bound, forget the oldest. */
  #remember(name: string, log: KnownLog, owed: boolean): void {
    this.#known.delete(name)
    this.#known.set(name, log)
    if (owed) this.#owed.add(name)
    else this.#owed.delete(name)
    if (this.#known.size <= MAX_KNOWN_LOGS) return
    for (const [oldest, known] of this.#known) {
      if (this.#known.size <= MAX_KNOWN_LOGS) break
      // A row still behind takes its figures first. This runs after a commit, which must not be
      // reported as failed: if the write fails, the entry stays (over the bound) until a later try.
      if (this.#owed.has(oldest)) {
        try {
          this.#stmt.setLogTotals.run(known.rows, known.bytes, known.updatedAt, oldest)
        } catch {
          break
        }
        this.#owed.delete(oldest)
      }
      this.#known.delete(oldest)
    }
  }
}
