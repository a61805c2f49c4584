/**
 * {@link VersionStore} on SQLite, in the same database as the documents (`document_versions`,
 * deleted with its document by the foreign key). better-sqlite3 is synchronous: a method has
 * committed by the time its promise exists; with a `durable` option, it resolves once that is on disk.
 */
import type { Statement } from 'better-sqlite3'

import { type Database, prepareAll, reclaimFreePages, type SqliteStoreOptions } from './sqlite-database.js'
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

const INFO_COLUMNS = `id, name AS room, created_at AS createdAt, label, auto, authors, bytes, content_hash AS contentHash`

const SQL = {
  documentExists: `SELECT 1 FROM documents WHERE name = ?`,
  newest: `SELECT ${INFO_COLUMNS} FROM document_versions WHERE name = ? ORDER BY id DESC LIMIT 1`,
  insert: `INSERT INTO document_versions (name, created_at, label, auto, authors, content_hash, bytes, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  update: `UPDATE document_versions SET authors = ?, label = ?, auto = ? WHERE id = ?`,
  list: `SELECT ${INFO_COLUMNS} FROM document_versions WHERE name = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  get: `SELECT ${INFO_COLUMNS}, state FROM document_versions WHERE name = ? AND id = ?`,
  automatic: `SELECT id, created_at AS createdAt FROM document_versions WHERE name = ? AND auto = 1 ORDER BY id`,
  countNamed: `SELECT count(*) AS count FROM document_versions WHERE name = ? AND auto = 0`,
  remove: `DELETE FROM document_versions WHERE name = ? AND id = ?`,
} as const

/** Versions in Tandem's SQLite database. */
export class SqliteVersionStore implements VersionStore {
  readonly #db: Database
  readonly #stmt: Record<keyof typeof SQL, Statement>
  readonly #durable: (() => Promise<void>) | undefined
  readonly #recordTransaction: (version: NewVersion) => RecordedVersion
  readonly #removeTransaction: (room: string, ids: readonly number[]) => void

  /** `db`: the documents' database, shared (its owner closes it). */
  constructor(db: Database, options: SqliteStoreOptions = {}) {
    this.#db = db
    this.#durable = options.durable
    this.#stmt = prepareAll(this.#db, SQL)
    this.#recordTransaction = this.#db.transaction((version: NewVersion): RecordedVersion => {
      if (this.#stmt.documentExists.get(version.room) === undefined) throw new Error(`document ${version.room} is not stored`)
      const newest = this.#stmt.newest.get(version.room) as VersionRow | undefined
      if (newest && newest.contentHash === version.contentHash) {
        const info = { ...versionInfoOf(newest), ...renamed(versionInfoOf(newest), version) }
        info.authors = mergeAuthors(info.authors, version.authors)
        this.#stmt.update.run(JSON.stringify(info.authors), info.name, info.auto ? 1 : 0, info.id)
        return { version: info, added: false }
      }
      const authors = mergeAuthors([], version.authors)
      const bytes = version.state.byteLength
      const { lastInsertRowid } = this.#stmt.insert.run(
        version.room,
        version.createdAt,
        version.name,
        version.auto ? 1 : 0,
        JSON.stringify(authors),
        version.contentHash,
        bytes,
        version.state,
      )
      const { state: _state, ...rest } = version
      return { version: { ...rest, id: Number(lastInsertRowid), authors, bytes }, added: true }
    })
    this.#removeTransaction = this.#db.transaction((room: string, ids: readonly number[]) => {
      for (const id of ids) this.#stmt.remove.run(room, id)
      reclaimFreePages(this.#db)
    })
  }

  async record(version: NewVersion): Promise<RecordedVersion> {
    const recorded = this.#recordTransaction(version)
    await this.#durable?.()
    return recorded
  }

  async list(room: string, options: { limit: number; before?: number }): Promise<VersionInfo[]> {
    const rows = this.#stmt.list.all(room, options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as VersionRow[]
    return rows.map(versionInfoOf)
  }

  async get(room: string, id: number): Promise<{ info: VersionInfo; state: Uint8Array } | null> {
    const row = this.#stmt.get.get(room, id) as (VersionRow & { state: Buffer }) | undefined
    return row ? { info: versionInfoOf(row), state: new Uint8Array(row.state) } : null
  }

  async countNamed(room: string): Promise<number> {
    return (this.#stmt.countNamed.get(room) as { count: number }).count
  }

  async automatic(room: string): Promise<Array<{ id: number; createdAt: number }>> {
    return this.#stmt.automatic.all(room) as Array<{ id: number; createdAt: number }>
  }

  async remove(room: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return
    this.#removeTransaction(room, ids)
    await this.#durable?.()
  }
}
