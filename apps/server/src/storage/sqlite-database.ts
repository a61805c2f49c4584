/**
 * Opens Tandem's SQLite database: one file, WAL journal, busy timeout, foreign keys, and the schema
 * migrated to the current version. Documents and channel messages share this one connection, so a
 * single writer orders every write.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'

import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3'

import { migrate } from './sqlite-migrations.js'

export type { Database }

/**
 * The database file of a data directory (`DATA_DIR`): what the server opens, a backup copies and a
 * restore puts back.
 */
export function databaseFileIn(dataDir: string): string {
  return join(dataDir, 'tandem.db')
}

/** How to open the database. */
export interface SqliteOptions {
  /** Database file; its directory is created if missing. `:memory:` for a private in-memory database. */
  filename: string
  /** `full` (default) fsyncs every commit and survives power loss; `normal` survives process crashes. */
  synchronous?: 'full' | 'normal'
  /** Runs on the open connection before the schema is migrated (to take the file's lock first); may throw. */
  beforeMigrate?: (db: Database) => void
}

/**
 * Open and migrate the database.
 * @throws when the file cannot be opened or was written by a newer schema; nothing is changed then.
 */
export function openSqliteDatabase(options: SqliteOptions): Database {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const db = new BetterSqlite3(options.filename)
  try {
    // Only takes effect in a new file, before the journal mode and the first table: see reclaimFreePages.
    db.pragma('auto_vacuum = INCREMENTAL')
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    options.beforeMigrate?.(db)
    migrate(db)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

/** Free pages given back per {@link reclaimFreePages} at most (4 KiB each): a bounded write. */
const MAX_RECLAIMED_PAGES = 2048

/**
 * Give pages that deletions freed (a compacted log, pruned messages) back to the file system, up to
 * {@link MAX_RECLAIMED_PAGES}; call it inside the transaction that freed them. SQLite otherwise keeps
 * them in the file for later rows, so the file stays as large as the largest log it ever held. A
 * database created before incremental auto-vacuum keeps them (a `VACUUM` while the server is stopped
 * converts it; the pragma is then a no-op).
 */
export function reclaimFreePages(db: Database): void {
  db.pragma(`incremental_vacuum(${MAX_RECLAIMED_PAGES})`)
}

/** What the SQLite stores take besides their database. */
export interface SqliteStoreOptions {
  /**
   * Resolves once every commit made before the call survives a power cut (`LogSync.sync`), for a database whose commits do not sync by themselves; the stores wait for it before a
   * change counts as stored.
   */
  durable?: () => Promise<void>
}

/** A store's database: either given (shared, closed by its owner) or opened by the store itself. */
export function resolveDatabase(source: Database | SqliteOptions): { db: Database; owned: boolean } {
  return 'prepare' in source ? { db: source, owned: false } : { db: openSqliteDatabase(source), owned: true }
}

/** Each statement of `sql` prepared on `db`, under the same keys. */
export function prepareAll<K extends string>(db: Database, sql: Readonly<Record<K, string>>): Record<K, Statement> {
  return Object.fromEntries(Object.entries<string>(sql).map(([key, text]) => [key, db.prepare(text)])) as Record<K, Statement>
}
