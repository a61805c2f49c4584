/** {@link AuditLog} in Tandem's SQLite database (`audit_log`, migration 10). */
import type { Statement } from 'better-sqlite3'

import type { AuditEntry, AuditLog, AuditQuery, NewAuditEntry } from './audit-log.js'
import { type Database, prepareAll } from './sqlite-database.js'

const SQL = {
  insert: `INSERT INTO audit_log (at, actor, action, target, address, detail) VALUES (?, ?, ?, ?, ?, ?)`,
  // Newest first through the primary key; the filters are optional (NULL matches everything).
  list: `SELECT id, at, actor, action, target, address, detail FROM audit_log
    WHERE id < @before
      AND (@action IS NULL OR action = @action OR substr(action, 1, length(@action) + 1) = @action || '.')
      AND (@text IS NULL OR instr(lower(actor || char(10) || coalesce(target, '')), lower(@text)) > 0)
    ORDER BY id DESC LIMIT @limit`,
  prune: `DELETE FROM audit_log WHERE at < ?`,
} as const

/** A row as SQLite hands it over. */
type AuditRow = Omit<AuditEntry, 'detail'> & { detail: string | null }

/** Audit entries in the documents' SQLite database. */
export class SqliteAuditLog implements AuditLog {
  readonly #stmt: Record<keyof typeof SQL, Statement>

  /** `db`: the documents' database, shared (its owner closes it). */
  constructor(db: Database) {
    this.#stmt = prepareAll(db, SQL)
  }

  async record(entry: NewAuditEntry): Promise<void> {
    const detail = entry.detail ? JSON.stringify(entry.detail) : null
    this.#stmt.insert.run(entry.at, entry.actor, entry.action, entry.target, entry.address, detail)
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = this.#stmt.list.all({
      before: query.before ?? Number.MAX_SAFE_INTEGER,
      action: query.action ?? null,
      text: query.text ?? null,
      limit: query.limit,
    }) as AuditRow[]
    return rows.map((row) => ({ ...row, detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>) }))
  }

  async prune(before: number): Promise<number> {
    return this.#stmt.prune.run(before).changes
  }
}
