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
  // 3: idempotency keys count per set of channels (scope: the sorted channel names as a JSON array),
  // so two publishers that pick the same key for different channels do not swallow each other's
  // messages; expiry is indexed, pruning scans only what expired. `retention_floor` remembers the
  // highest pruned_through of the channels whose rows retention freed, so gaps are still reported.
  `
  CREATE TABLE publish_idempotency_scoped (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    messages TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) STRICT;
  INSERT INTO publish_idempotency_scoped (scope, key, messages, expires_at)
    SELECT (SELECT json_group_array(json_extract(m.value, '$.channel') ORDER BY json_extract(m.value, '$.channel'))
              FROM json_each(publish_idempotency.messages) AS m),
           key, messages, expires_at
    FROM publish_idempotency;
  DROP TABLE publish_idempotency;
  ALTER TABLE publish_idempotency_scoped RENAME TO publish_idempotency;
  CREATE INDEX publish_idempotency_by_expiry ON publish_idempotency (expires_at);
  CREATE TABLE retention_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    forgotten_through INTEGER NOT NULL
  ) STRICT;
  INSERT INTO retention_floor (id, forgotten_through) VALUES (1, 0);
  `,
  // 4: a snapshot may be stored deflated (1) rather than as the Yjs update itself (0).
  `
  ALTER TABLE documents ADD COLUMN snapshot_encoding INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_encoding IN (0, 1));
  `,
  // 5: the update log clustered by (document, seq), without a rowid: an append writes one B-tree instead
  // of a table, its index and AUTOINCREMENT's counter (a commit went from ~20 to ~11 µs), and a load
  // reads one contiguous range. Sequence numbers count per document and never go back: log_floor
  // keeps the highest one compaction deleted, for a log it emptied.
  `
  CREATE TABLE document_log (
    name TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (name, seq)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO document_log (name, seq, data) SELECT name, seq, data FROM document_updates;
  ALTER TABLE documents ADD COLUMN log_floor INTEGER NOT NULL DEFAULT 0;
  UPDATE documents SET log_floor = coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'document_updates'), 0);
  DROP TABLE document_updates;
  `,
  // 6: versions of a document: whole states (Yjs V2 updates) with their time, name and authors (JSON),
  // deleted with the document. AUTOINCREMENT: an id is never reused after thinning.
  `
  CREATE TABLE document_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    label TEXT,
    auto INTEGER NOT NULL CHECK (auto IN (0, 1)),
    authors TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    state BLOB NOT NULL
  ) STRICT;
  CREATE INDEX document_versions_by_name ON document_versions (name, id);
  `,
  // 7: the search index: each document's title, name words and text (deleted with the document),
  // indexed by FTS5 as external content kept in step by triggers, with prefix indexes for the short
  // prefixes people type first.
  `
  CREATE TABLE document_search (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE REFERENCES documents(name) ON DELETE CASCADE,
    title TEXT NOT NULL,
    label TEXT NOT NULL,
    body TEXT NOT NULL
  ) STRICT;
  CREATE VIRTUAL TABLE document_fts USING fts5(
    title, label, body, content = 'document_search', content_rowid = 'id', prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER document_search_inserted AFTER INSERT ON document_search BEGIN
    INSERT INTO document_fts (rowid, title, label, body) VALUES (new.id, new.title, new.label, new.body);
  END;
  CREATE TRIGGER document_search_deleted AFTER DELETE ON document_search BEGIN
    INSERT INTO document_fts (document_fts, rowid, title, label, body) VALUES ('delete', old.id, old.title, old.label, old.body);
  END;
  CREATE TRIGGER document_search_updated AFTER UPDATE ON document_search BEGIN
    INSERT INTO document_fts (document_fts, rowid, title, label, body) VALUES ('delete', old.id, old.title, old.label, old.body);
    INSERT INTO document_fts (rowid, title, label, body) VALUES (new.id, new.title, new.label, new.body);
  END;
  `,
  // 8: images of documents, deleted with the document; a content hash finds the same bytes again.
  `
  CREATE TABLE document_images (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX document_images_by_hash ON document_images (name, content_hash);
  `,
  // 9: names of deleted documents, so a link to one says it was deleted instead of opening an
  // empty document; storing a document under the name again ends it. Kept by triggers.
  `
  CREATE TABLE deleted_documents (
    name TEXT PRIMARY KEY,
    deleted_at INTEGER NOT NULL
  ) STRICT;
  CREATE TRIGGER documents_deleted AFTER DELETE ON documents BEGIN
    INSERT INTO deleted_documents (name, deleted_at) VALUES (old.name, CAST(unixepoch('subsec') * 1000 AS INTEGER))
      ON CONFLICT (name) DO UPDATE SET deleted_at = excluded.deleted_at;
  END;
  CREATE TRIGGER documents_created AFTER INSERT ON documents BEGIN
    DELETE FROM deleted_documents WHERE name = new.name;
  END;
  `,
  // 10: the trash and the audit log. A deleted document keeps its rows (log, versions, images, search
  // entry) with the time and actor of its deletion until it is restored or purged; nothing reads a
  // trashed document as stored. The audit log records what administrators (and writers deleting) did.
  `
  ALTER TABLE documents ADD COLUMN trashed_at INTEGER;
  ALTER TABLE documents ADD COLUMN trashed_by TEXT;
  CREATE INDEX documents_trashed ON documents (trashed_at) WHERE trashed_at IS NOT NULL;
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    address TEXT,
    detail TEXT
  ) STRICT;
  CREATE INDEX audit_log_by_time ON audit_log (at);
  `,
]

/** The schema version this code expects. */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Bring `db` to {@link SCHEMA_VERSION} (or to an older `target`, for tests of a migration).
 * @throws when the database was written by a newer Tandem (its version is higher than ours).
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server's (${SCHEMA_VERSION}); upgrade Tandem`)
  }
  for (let version = current; version < Math.min(target, SCHEMA_VERSION); version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
