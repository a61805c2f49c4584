/** {@link AuditLog} in PostgreSQL (`audit_log`, migration 10), shared by every node of a cluster. */
import type pg from 'pg'

import type { AuditEntry, AuditLog, AuditQuery, NewAuditEntry } from './audit-log.js'

const SQL = {
  insert: `INSERT INTO audit_log (at, actor, action, target, address, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
  // Newest first through the primary key; the filters are optional (NULL matches everything).
  list: `SELECT id, at, actor, action, target, address, detail FROM audit_log
    WHERE id < $1
      AND ($2::text IS NULL OR action = $2 OR left(action, length($2) + 1) = $2 || '.')
      AND ($3::text IS NULL OR strpos(lower(actor || E'\\n' || coalesce(target, '')), lower($3)) > 0)
    ORDER BY id DESC LIMIT $4`,
  prune: `DELETE FROM audit_log WHERE at < $1`,
} as const

/** Audit entries in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresAuditLog implements AuditLog {
  readonly #pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  async record(entry: NewAuditEntry): Promise<void> {
    const detail = entry.detail ? JSON.stringify(entry.detail) : null
    await this.#pool.query(SQL.insert, [entry.at, entry.actor, entry.action, entry.target, entry.address, detail])
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const { rows } = await this.#pool.query<Omit<AuditEntry, 'detail'> & { detail: string | null }>(SQL.list, [
      query.before ?? Number.MAX_SAFE_INTEGER,
      query.action ?? null,
      query.text ?? null,
      query.limit,
    ])
    return rows.map((row) => ({ ...row, detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>) }))
  }

  async prune(before: number): Promise<number> {
    return (await this.#pool.query(SQL.prune, [before])).rowCount ?? 0
  }
}
