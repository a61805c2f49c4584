/**
 * Move Tandem's data from one store to another: a SQLite file to a PostgreSQL schema or back (or
 * SQLite to SQLite, PostgreSQL to PostgreSQL). Both are held as a server would hold them, so a
 * server running on either makes the move refuse, and none can start on them meanwhile.
 *
 * Every document goes over compacted: its snapshot and log merged (`Y.mergeUpdates`) into one
 * snapshot, packed as the destination's store packs snapshots, with an empty log whose numbering
 * continues after the highest sequence number the source gave out. Versions, images, deleted names,
 * channels and their messages, idempotency keys and the audit log go over row by row with their ids,
 * and each numbered table's next id comes after the highest the source handed out. The search index
 * is not copied: a server indexes the documents that lack an entry when it starts.
 *
 * Running it again is safe and changes nothing that is already the same: rows are upserted by key,
 * a document whose state the destination holds already is skipped, and one the destination holds with
 * another state is replaced by the source's (the source is the truth). What the destination holds
 * besides (documents or rows the source lacks) is left alone, and reported by the verification that
 * ends every run: each document's state loaded from both stores byte for byte, and every copied table
 * row for row.
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'

import { openPostgresSide } from './migration-postgres.js'
import { type CompactedDocument, COPIED_TABLES, merged, type MigrationSide, sameBytes, type TableSpec } from './migration-side.js'
import { openSqliteSide } from './migration-sqlite.js'
import { databaseFileIn } from './sqlite-database.js'
import { verifyCopy } from './verify-copy.js'

/** A store: Tandem's SQLite file, or a schema of a PostgreSQL database. */
export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string }

/** What {@link migrateStore} did. */
export interface MigrationReport {
  /** Documents in the source. */
  documents: number
  /** Documents written: new at the destination, or held there with another state or other facts. */
  written: number
  /** Documents the destination held with another state, now replaced by the source's. */
  replaced: string[]
  /** Rows copied, per table. */
  rows: Record<string, number>
  /** What the verification found different between the two stores afterwards; empty when they agree. */
  differences: string[]
  /** How long the copy and the verification took, in milliseconds. */
  copyMs: number
  verifyMs: number
}

/** Options of {@link migrateStore}. */
export interface MigrateOptions {
  from: StoreLocation
  to: StoreLocation
  /** Told how far each step is (`documents 120/500`), a few times a second at most, and at each step's end. */
  onProgress?: (line: string) => void
}

/** Documents written per transaction at most, and bytes of snapshots. */
const DOCUMENTS_PER_BATCH = 32
const BYTES_PER_BATCH = 16 * 1024 * 1024
/** Least time between two progress lines of one step. */
const PROGRESS_EVERY_MS = 250

/**
 * Where `text` (a `--from`/`--to` argument) points: a `postgres://` URL (in schema `schema`), else a
 * SQLite database: an existing directory is a `DATA_DIR` (its `tandem.db`), an existing file or a
 * name ending in `.db`, `.sqlite` or `.sqlite3` is the file itself, anything else a `DATA_DIR` to create.
 */
export function storeLocation(text: string, schema = 'public'): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text, schema }
  const path = resolve(text)
  if (existsSync(path)) return { kind: 'sqlite', file: statSync(path).isDirectory() ? databaseFileIn(path) : path }
  return { kind: 'sqlite', file: /\.(db|sqlite3?)$/i.test(path) ? path : databaseFileIn(path) }
}

/** `location` for messages, without credentials. */
export function describeLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') return location.file
  const url = new URL(location.url)
  return `postgres://${url.host}${url.pathname}, schema ${location.schema}`
}

/**
 * Copy everything from `options.from` to `options.to`, then verify the copy.
 * @throws {StoreInUseError} when a server holds either store; other errors when a store cannot be
 * opened (a missing source file, an unreachable database, a schema newer than this build).
 * @example
 * const report = await migrateStore({ from: storeLocation('./data'), to: storeLocation('postgres://tandem@db/tandem') })
 * if (report.differences.length > 0) process.exitCode = 1
 */
export async function migrateStore(options: MigrateOptions): Promise<MigrationReport> {
  const { from, to } = options
  if (describeLocation(from) === describeLocation(to)) throw new Error(`--from and --to are the same store (${describeLocation(from)})`)
  if (from.kind === 'sqlite' && !existsSync(from.file)) throw new Error(`no Tandem database at ${from.file}`)
  const progress = new Progress(options.onProgress)
  const source = await openSide(from)
  let destination: MigrationSide
  try {
    destination = await openSide(to)
  } catch (error) {
    await source.close()
    throw error
  }
  try {
    const started = performance.now()
    const copied = await copyDocuments(source, destination, progress)
    const rows: Record<string, number> = {}
    for (const table of COPIED_TABLES) rows[table.name] = await copyTable(source, destination, table, progress)
    await destination.raiseIdFloors(await source.idFloors())
    const copyMs = performance.now() - started
    const differences = await verifyCopy(source, destination, (label, done, total) => progress.step(label, done, total))
    return { ...copied, rows, differences, copyMs, verifyMs: performance.now() - started - copyMs }
  } finally {
    await destination.close()
    await source.close()
  }
}

function openSide(location: StoreLocation): Promise<MigrationSide> {
  return location.kind === 'sqlite' ? Promise.resolve(openSqliteSide(location.file)) : openPostgresSide(location.url, location.schema)
}

/** Store each of the source's documents compacted at the destination, in batches. */
async function copyDocuments(
  source: MigrationSide,
  destination: MigrationSide,
  progress: Progress,
): Promise<Pick<MigrationReport, 'documents' | 'written' | 'replaced'>> {
  const names = await source.documentNames()
  const replaced: string[] = []
  let written = 0
  let batch: CompactedDocument[] = []
  let batchBytes = 0
  const flush = async (): Promise<void> => {
    await destination.writeDocuments(batch)
    written += batch.length
    batch = []
    batchBytes = 0
  }
  for (const [index, name] of names.entries()) {
    const record = await source.readDocument(name)
    if (record) {
      const { parts, ...facts } = record
      const state = merged(parts)
      const held = await destination.readDocument(name)
      const sameState = held !== null && sameBytes(merged(held.parts), state)
      const sameFacts =
        held !== null &&
        held.parts.length <= 1 &&
        held.createdAt === facts.createdAt &&
        held.updatedAt === facts.updatedAt &&
        held.trashedAt === facts.trashedAt &&
        held.trashedBy === facts.trashedBy &&
        held.head >= facts.head
      if (!(sameState && sameFacts)) {
        if (held && !sameState) replaced.push(name)
        const snapshot = state && (await destination.documents.packSnapshot(state))
        batch.push({ ...facts, snapshot, reindex: !sameState })
        batchBytes += snapshot?.bytes.byteLength ?? 0
        if (batch.length >= DOCUMENTS_PER_BATCH || batchBytes >= BYTES_PER_BATCH) await flush()
      }
    }
    progress.step('documents', index + 1, names.length)
  }
  if (batch.length > 0) await flush()
  return { documents: names.length, written, replaced }
}

/** Copy every row of `table`, a page at a time; resolves how many. */
async function copyTable(source: MigrationSide, destination: MigrationSide, table: TableSpec, progress: Progress): Promise<number> {
  const total = await source.countRows(table)
  let copied = 0
  let after: Array<number | string> | null = null
  for (;;) {
    const rows = await source.readRows(table, after)
    if (rows.length > 0) await destination.writeRows(table, rows)
    copied += rows.length
    progress.step(table.name, copied, total)
    if (rows.length < table.pageRows) return copied
    const last = rows.at(-1)!
    after = table.key.map((key) => last[key] as number | string)
  }
}

/** Progress lines, throttled per step; the last of a step always goes out. */
class Progress {
  readonly #onLine: ((line: string) => void) | undefined
  #lastAt = 0

  constructor(onLine: ((line: string) => void) | undefined) {
    this.#onLine = onLine
  }

  step(label: string, done: number, total: number): void {
    const now = performance.now()
    if (done < total && now - this.#lastAt < PROGRESS_EVERY_MS) return
    this.#lastAt = now
    this.#onLine?.(`${label} ${done}/${total}`)
  }
}
