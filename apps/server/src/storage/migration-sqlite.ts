/**
 * The SQLite side of a move between stores (see `migration-side.ts`): Tandem's database file opened
 * and migrated by {@link openSqliteDatabase}, then held with an exclusive lock for as long as the
 * copy runs. Taking that lock fails while any other connection has the file open (a running server
 * holds one for its whole life), which is how a server on the file is detected; once taken, a server
 * started meanwhile cannot open the file.
 */
import type { Statement } from 'better-sqlite3'

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
import { ENCODING_CODES, storedDocument } from './snapshot-packing.js'
import { type Database, openSqliteDatabase, prepareAll } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'

const SQL = {
  names: `SELECT name FROM documents ORDER BY name`,
  document: `SELECT snapshot, snapshot_encoding AS encoding, log_floor AS logFloor, created_at AS createdAt, updated_at AS updatedAt,
    trashed_at AS trashedAt, trashed_by AS trashedBy FROM documents WHERE name = ?`,
  log: `SELECT seq, data FROM document_log WHERE name = ? ORDER BY seq`,
  // The floor covers the destination's own log rows too (deleted just after): numbering never goes back.
  putDocument: `INSERT INTO documents (name, snapshot, snapshot_encoding, snapshot_bytes, log_rows, log_bytes, log_floor, created_at, updated_at,
      trashed_at, trashed_by) VALUES (@name, @snapshot, @encoding, @bytes, 0, 0, @head, @createdAt, @updatedAt, @trashedAt, @trashedBy)
    ON CONFLICT (name) DO UPDATE SET snapshot = excluded.snapshot, snapshot_encoding = excluded.snapshot_encoding,
      snapshot_bytes = excluded.snapshot_bytes, log_rows = 0, log_bytes = 0,
      log_floor = max(documents.log_floor, excluded.log_floor, coalesce((SELECT max(seq) FROM document_log WHERE document_log.name = documents.name), 0)),
      created_at = excluded.created_at, updated_at = excluded.updated_at, trashed_at = excluded.trashed_at, trashed_by = excluded.trashed_by`,
  emptyLog: `DELETE FROM document_log WHERE name = ?`,
  dropSearchEntry: `DELETE FROM document_search WHERE name = ?`,
  sequence: `SELECT seq FROM sqlite_sequence WHERE name = ?`,
  raiseSequence: `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`,
  addSequence: `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`,
} as const

/** The highest id stored in each numbered table (a sequence is never below it, but say so anyway). */
const MAX_ID = Object.fromEntries(NUMBERED_TABLES.map((table) => [table, `SELECT coalesce(max(id), 0) AS id FROM ${table}`])) as Record<
  keyof IdFloors,
  string
>

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

/** Statements of one copied table, made on first use. */
interface TableStatements {
  first: Statement
  after: Statement
  upsert: Statement
  count: Statement
}

/**
 * Open (creating it when missing), migrate and hold Tandem's database `file`.
 * @throws {StoreInUseError} when another process has the file open.
 */
export function openSqliteSide(file: string): MigrationSide {
  // The lock comes before the migration: a file a server (maybe an older one) has open is not touched.
  const db = openSqliteDatabase({ filename: file, beforeMigrate: (opened) => holdExclusively(opened, file) })
  return new SqliteSide(db, file)
}

/** Take the file's lock for this connection until it closes, or throw if another connection has the file open. */
function holdExclusively(db: Database, file: string): void {
  db.pragma('busy_timeout = 0')
  // In WAL mode every open connection holds a shared lock: an exclusive one is granted only to the sole user.
  db.pragma('locking_mode = EXCLUSIVE')
  try {
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreInUseError(`${file} is open in another process (a running Tandem server?): stop it first`)
    }
    throw error
  } finally {
    db.pragma('busy_timeout = 5000')
  }
}

class SqliteSide implements MigrationSide {
  readonly description: string
  readonly documents: SqliteDocumentStore
  readonly #db: Database
  readonly #stmt: Record<keyof typeof SQL, Statement>
  readonly #tables = new Map<string, TableStatements>()
  readonly #writeDocuments: (documents: readonly CompactedDocument[]) => void

  constructor(db: Database, file: string) {
    this.#db = db
    this.description = file
    this.documents = new SqliteDocumentStore(db)
    this.#stmt = prepareAll(db, SQL)
    this.#writeDocuments = db.transaction((documents: readonly CompactedDocument[]) => {
      for (const document of documents) {
        const { snapshot } = document
        this.#stmt.putDocument.run({
          name: document.name,
          snapshot: snapshot ? snapshot.bytes : null,
          encoding: snapshot ? ENCODING_CODES[snapshot.encoding] : 0,
          bytes: snapshot ? snapshot.bytes.byteLength : 0,
          head: document.head,
          createdAt: document.createdAt,
          updatedAt: document.updatedAt,
          trashedAt: document.trashedAt,
          trashedBy: document.trashedBy,
        })
        this.#stmt.emptyLog.run(document.name)
        if (document.reindex) this.#stmt.dropSearchEntry.run(document.name)
      }
    })
  }

  async documentNames(): Promise<string[]> {
    return (this.#stmt.names.all() as { name: string }[]).map((row) => row.name)
  }

  async readDocument(name: string): Promise<DocumentRecord | null> {
    const read = this.#db.transaction(() => {
      const row = this.#stmt.document.get(name) as DocumentRow | undefined
      return row && { row, log: this.#stmt.log.all(name) as Array<{ seq: number; data: Buffer }> }
    })()
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
    this.#writeDocuments(documents)
  }

  async readRows(table: TableSpec, after: readonly (number | string)[] | null): Promise<Row[]> {
    const statements = this.#statements(table)
    const rows = (after ? statements.after.all(...after, table.pageRows) : statements.first.all(table.pageRows)) as Row[]
    for (const row of rows) {
      for (const column of table.columns) if (column.kind === 'boolean') row[column.name] = row[column.name] === 1
    }
    return rows
  }

  async writeRows(table: TableSpec, rows: readonly Row[]): Promise<void> {
    const { upsert } = this.#statements(table)
    this.#db.transaction(() => {
      for (const row of rows) upsert.run(...table.columns.map((column) => sqliteValue(column, row[column.name] ?? null)))
    })()
  }

  async countRows(table: TableSpec): Promise<number> {
    return (this.#statements(table).count.get() as { count: number }).count
  }

  async idFloors(): Promise<IdFloors> {
    const floor = (table: keyof IdFloors): number => {
      const sequence = (this.#stmt.sequence.get(table) as { seq: number } | undefined)?.seq ?? 0
      return Math.max(sequence, (this.#db.prepare(MAX_ID[table]).get() as { id: number }).id)
    }
    return { channel_messages: floor('channel_messages'), document_versions: floor('document_versions'), audit_log: floor('audit_log') }
  }

  async raiseIdFloors(floors: IdFloors): Promise<void> {
    this.#db.transaction(() => {
      for (const table of NUMBERED_TABLES) {
        if (this.#stmt.raiseSequence.run(floors[table], table).changes === 0 && floors[table] > 0) {
          this.#stmt.addSequence.run(table, floors[table])
        }
      }
    })()
  }

  async close(): Promise<void> {
    await this.documents.close()
    // The last connection to close checkpoints the log into the file and removes it.
    this.#db.close()
  }

  #statements(table: TableSpec): TableStatements {
    let statements = this.#tables.get(table.name)
    if (!statements) {
      const columns = table.columns.map((column) => quoted(column.name)).join(', ')
      const key = table.key.map(quoted).join(', ')
      const select = `SELECT ${columns} FROM ${table.name}`
      const order = `ORDER BY ${key} LIMIT ?`
      const updates = table.columns
        .filter((column) => !table.key.includes(column.name))
        .map((column) => `${quoted(column.name)} = excluded.${quoted(column.name)}`)
      statements = {
        first: this.#db.prepare(`${select} ${order}`),
        after: this.#db.prepare(`${select} WHERE (${key}) > (${table.key.map(() => '?').join(', ')}) ${order}`),
        upsert: this.#db.prepare(
          `INSERT INTO ${table.name} (${columns}) VALUES (${table.columns.map(() => '?').join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`,
        ),
        count: this.#db.prepare(`SELECT count(*) AS count FROM ${table.name}`),
      }
      this.#tables.set(table.name, statements)
    }
    return statements
  }
}

/** `value` as this schema stores it: booleans as 0/1, JSON compact as the server writes it. */
function sqliteValue(column: Column, value: Row[string]): number | string | Buffer | null {
  if (value === null) return null
  if (column.kind === 'boolean') return value === true ? 1 : 0
  if (column.kind === 'json') return JSON.stringify(JSON.parse(value as string))
  return value as number | string | Buffer
}
