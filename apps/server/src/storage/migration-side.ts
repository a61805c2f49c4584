/**
 * What a move of Tandem's data between stores (`migrate-store.ts`) reads from and writes to: one side
 * per store kind (`migration-sqlite.ts`, `migration-postgres.ts`), each holding its store the way a
 * server would, so no server can write to it meanwhile. Documents are read and written whole;
 * every other table is copied row by row, with its ids, as {@link COPIED_TABLES} describes it.
 */
import * as Y from 'yjs'

import type { DocumentStore, PackedSnapshot } from './document-store.js'

/** One stored document as it is: its row's facts and its state as stored (snapshot, then log). */
export interface DocumentRecord {
  name: string
  createdAt: number
  updatedAt: number
  trashedAt: number | null
  trashedBy: string | null
  /** The highest log sequence number ever given out for it, in its log or merged into its snapshot. */
  head: number
  /** Its Yjs state as stored: the snapshot (unpacked), then every log row in order. */
  parts: Uint8Array[]
}

/** A document to store compacted: one packed snapshot (none for an empty state) and an empty log. */
export interface CompactedDocument extends Omit<DocumentRecord, 'parts'> {
  snapshot: PackedSnapshot | null
  /** Its state differs from what the destination held: drop its search entry, which a server rebuilds at start. */
  reindex: boolean
}

/** How a column's values are compared and converted between the stores. */
type ColumnKind = 'integer' | 'text' | 'bytes' | 'boolean' | 'json'

/** A column of a copied table. */
export interface Column {
  name: string
  kind: ColumnKind
}

/** A table copied row by row, ids included. */
export interface TableSpec {
  name: string
  /** Its primary key: rows are read and compared in this order (byte order for text). */
  key: readonly string[]
  columns: readonly Column[]
  /** Rows read (and written in one transaction) at a time: few for tables of large blobs. */
  pageRows: number
}

/** A row as both sides hand it over: integers as numbers, blobs as Buffers, JSON as its text. */
export type Row = Record<string, number | string | boolean | Buffer | null>

const int = (name: string): Column => ({ name, kind: 'integer' })
const text = (name: string): Column => ({ name, kind: 'text' })

/**
 * Every table copied besides `documents` and `document_log`, in an order that satisfies the
 * foreign keys (versions and images need their document). Not copied: the search index (a server
 * indexes the documents that lack an entry at start), and PostgreSQL's `node_epoch` and
 * `schema_version`, which belong to the database they are in.
 */
export const COPIED_TABLES: readonly TableSpec[] = [
  {
    name: 'document_versions',
    key: ['id'],
    columns: [
      int('id'),
      text('name'),
      int('created_at'),
      text('label'),
      { name: 'auto', kind: 'boolean' },
      { name: 'authors', kind: 'json' },
      text('content_hash'),
      int('bytes'),
      { name: 'state', kind: 'bytes' },
    ],
    pageRows: 32,
  },
  {
    name: 'document_images',
    key: ['id'],
    columns: [
      text('id'),
      text('name'),
      text('content_type'),
      text('content_hash'),
      int('bytes'),
      int('created_at'),
      { name: 'data', kind: 'bytes' },
    ],
    pageRows: 4,
  },
  { name: 'deleted_documents', key: ['name'], columns: [text('name'), int('deleted_at')], pageRows: 1000 },
  { name: 'channels', key: ['name'], columns: [text('name'), int('pruned_through')], pageRows: 1000 },
  { name: 'retention_floor', key: ['id'], columns: [int('id'), int('forgotten_through')], pageRows: 1000 },
  { name: 'channel_messages', key: ['id'], columns: [int('id'), text('channel'), text('data'), int('ts')], pageRows: 1000 },
  {
    name: 'publish_idempotency',
    key: ['scope', 'key'],
    columns: [text('scope'), text('key'), text('messages'), int('expires_at')],
    pageRows: 1000,
  },
  {
    name: 'audit_log',
    key: ['id'],
    columns: [int('id'), int('at'), text('actor'), text('action'), text('target'), text('address'), text('detail')],
    pageRows: 1000,
  },
]

/**
 * The highest id each numbered table has handed out (SQLite's `sqlite_sequence`, PostgreSQL's
 * `message_counter` and sequences), which may be above every id still stored (retention and
 * thinning delete rows): a copy's next ids must come after it, so an id is never used twice.
 */
export interface IdFloors {
  channel_messages: number
  document_versions: number
  audit_log: number
}

/** The tables of {@link IdFloors}. */
export const NUMBERED_TABLES = ['channel_messages', 'document_versions', 'audit_log'] as const

/** Thrown when a store is in use by a running server (or another copy) and must not be written to. */
export class StoreInUseError extends Error {
  override name = 'StoreInUseError'
}

/** One store, held for the copy. */
export interface MigrationSide {
  /** Where it is, for messages: a file, or a database and schema (no credentials). */
  readonly description: string
  /** Its document store, through which the copy is verified (`load`). */
  readonly documents: DocumentStore
  /** Every stored document's name (those in the trash too), in byte order. */
  documentNames(): Promise<string[]>
  /** One document as stored, or `null` when there is none by that name (trashed ones included). */
  readDocument(name: string): Promise<DocumentRecord | null>
  /** Store these documents compacted, replacing whatever was stored under their names, in one transaction. */
  writeDocuments(documents: readonly CompactedDocument[]): Promise<void>
  /** Up to `table.pageRows` rows after `after` (a row's key values), in key order. */
  readRows(table: TableSpec, after: readonly (number | string)[] | null): Promise<Row[]>
  /** Insert or replace `rows` (by key), in one transaction. */
  writeRows(table: TableSpec, rows: readonly Row[]): Promise<void>
  countRows(table: TableSpec): Promise<number>
  idFloors(): Promise<IdFloors>
  /** Make every table's next id come after `floors` (never lowering what it has). */
  raiseIdFloors(floors: IdFloors): Promise<void>
  /** Let go of the store (and of the hold on it). */
  close(): Promise<void>
}

/** `value` as JSON text with object keys sorted: PostgreSQL's jsonb reorders keys and spaces. */
export function canonicalJson(value: string): string {
  const sorted = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map(sorted)
      : item !== null && typeof item === 'object'
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((key) => [key, sorted((item as Record<string, unknown>)[key])]),
          )
        : item
  return JSON.stringify(sorted(JSON.parse(value)))
}

/** A column name quoted as an SQL identifier (both engines read double quotes so; `key` is a keyword). */
export function quoted(name: string): string {
  return `"${name}"`
}

/** A document's state as one update: its parts merged (a single part is itself); `null` for no parts. */
export function merged(parts: readonly Uint8Array[]): Uint8Array | null {
  return parts.length === 0 ? null : Y.mergeUpdates([...parts])
}

/** Whether two states are the same bytes (`null` for none). */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}
