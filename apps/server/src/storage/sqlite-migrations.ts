/**
 * Schema of the SQLite database, as numbered migrations. `PRAGMA user_version` records how many have
 * run; opening a database applies the missing ones in one transaction each. Never edit a migration
 * that has shipped: add a new one.
 */
import type { Database } from 'better-sqlite3'

const MIGRATIONS: readonly string[] = [
  // 1: documents with a snapshot, and their update log.
  `
  CREATE TABLE documents (
    name TEXT PRIMARY KEY,
    snapshot BLOB,
    snapshot_bytes INTEGER NOT NULL DEFAULT 0,
    log_rows INTEGER NOT NULL DEFAULT 0,
    log_bytes INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE document_updates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    data BLOB NOT NULL
  ) STRICT;
  CREATE INDEX document_updates_by_name ON document_updates (name, seq);
  `,
  // 2: notification channels. AUTOINCREMENT: ids are never reused, even after retention deletes rows.
  `
  CREATE TABLE channel_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    data TEXT NOT NULL,
    ts INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX channel_messages_by_channel ON channel_messages (channel, id);
  CREATE TABLE channels (
    name TEXT PRIMARY KEY,
    pruned_through INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE publish_idempotency (
    key TEXT PRIMARY KEY,
    messages TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  `,
]

/** The schema version this code expects. */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Bring `db` to {@link SCHEMA_VERSION}.
 * @throws when the database was written by a newer Tandem (its version is higher than ours).
 */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server's (${SCHEMA_VERSION}); upgrade Tandem`)
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
