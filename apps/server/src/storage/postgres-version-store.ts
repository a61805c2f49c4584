/**
 * {@link VersionStore} on PostgreSQL (`document_versions`, deleted with its document). Recording takes
 * the document row's lock first, so two nodes recording the same state at once store it once, and a
 * version is never added to a document being deleted.
 */
import type pg from 'pg'

import { inTransaction, type WriteFence } from './postgres-database.js'
import {
  mergeAuthors,
  type NewVersion,
  type RecordedVersion,
  renamed,
  type VersionInfo,
  versionInfoOf,
  type VersionRow,
  type VersionStore,
} from './version-store.js'

const INFO_COLUMNS = `id, name AS room, created_at AS "createdAt", label, auto, authors::text AS authors, bytes, content_hash AS "contentHash"`

const SQL = {
  lockDocument: `SELECT 1 FROM documents WHERE name = $1 FOR UPDATE`,
  newest: `SELECT ${INFO_COLUMNS} FROM document_versions WHERE name = $1 ORDER BY id DESC LIMIT 1`,
  insert: `INSERT INTO document_versions (name, created_at, label, auto, authors, content_hash, bytes, state)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) RETURNING id`,
  update: `UPDATE document_versions SET authors = $2::jsonb, label = $3, auto = $4 WHERE id = $1`,
  list: `SELECT ${INFO_COLUMNS} FROM document_versions WHERE name = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
  get: `SELECT ${INFO_COLUMNS}, state FROM document_versions WHERE name = $1 AND id = $2`,
  automatic: `SELECT id, created_at AS "createdAt" FROM document_versions WHERE name = $1 AND auto ORDER BY id`,
  countNamed: `SELECT count(*) AS count FROM document_versions WHERE name = $1 AND NOT auto`,
  remove: `DELETE FROM document_versions WHERE name = $1 AND id = ANY($2::bigint[])`,
} as const

/** Versions in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresVersionStore implements VersionStore {
  readonly #pool: pg.Pool
  readonly #fence: WriteFence | undefined

  /** `fence`: checked first in every write (see {@link WriteFence}). */
  constructor(pool: pg.Pool, fence?: WriteFence) {
    this.#pool = pool
    this.#fence = fence
  }

  record(version: NewVersion): Promise<RecordedVersion> {
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      const locked = await client.query(SQL.lockDocument, [version.room])
      if (locked.rowCount === 0) throw new Error(`document ${version.room} is not stored`)
      const newest = (await client.query<VersionRow>(SQL.newest, [version.room])).rows[0]
      if (newest && newest.contentHash === version.contentHash) {
        const info = { ...versionInfoOf(newest), ...renamed(versionInfoOf(newest), version) }
        info.authors = mergeAuthors(info.authors, version.authors)
        await client.query(SQL.update, [info.id, JSON.stringify(info.authors), info.name, info.auto])
        return { version: info, added: false }
      }
      const authors = mergeAuthors([], version.authors)
      const bytes = version.state.byteLength
      const { rows } = await client.query<{ id: number }>(SQL.insert, [
        version.room,
        version.createdAt,
        version.name,
        version.auto,
        JSON.stringify(authors),
        version.contentHash,
        bytes,
        Buffer.from(version.state.buffer, version.state.byteOffset, version.state.byteLength),
      ])
      const { state: _state, ...rest } = version
      return { version: { ...rest, id: rows[0]!.id, authors, bytes }, added: true }
    })
  }

  async list(room: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const { rows } = await this.#pool.query<VersionRow>(SQL.list, [room, options.before ?? Number.MAX_SAFE_INTEGER, options.limit])
    return rows.map(versionInfoOf)
  }

  async get(room: string, id: number): Promise<{ info: VersionInfo; state: Uint8Array } | null> {
    const { rows } = await this.#pool.query<VersionRow & { state: Buffer }>(SQL.get, [room, id])
    const row = rows[0]
    return row ? { info: versionInfoOf(row), state: new Uint8Array(row.state) } : null
  }

  async countNamed(room: string): Promise<number> {
    const { rows } = await this.#pool.query<{ count: number }>(SQL.countNamed, [room])
    return rows[0]?.count ?? 0
  }

  async automatic(room: string): Promise<Array<{ id: number; createdAt: number }>> {
    const { rows } = await this.#pool.query<{ id: number; createdAt: number }>(SQL.automatic, [room])
    return rows
  }

  async remove(room: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return
    await inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      await client.query(SQL.remove, [room, ids])
    })
  }
}
