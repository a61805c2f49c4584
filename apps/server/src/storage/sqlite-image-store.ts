/** {@link ImageStore} in Tandem's SQLite database (`document_images`, deleted with its document). */
import { createHash, randomBytes } from 'node:crypto'

import type { Statement } from 'better-sqlite3'

import type { ImageStore, ImageUsage, NewImage, StoredImage } from './image-store.js'
import { type Database, prepareAll } from './sqlite-database.js'

const SQL = {
  existing: `SELECT id FROM document_images WHERE name = ? AND content_hash = ?`,
  insert: `INSERT INTO document_images (id, name, content_type, content_hash, bytes, created_at, data)
           SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documents WHERE name = ? AND trashed_at IS NULL)`,
  get: `SELECT i.content_type AS contentType, i.data FROM document_images AS i JOIN documents AS d ON d.name = i.name
    WHERE i.name = ? AND i.id = ? AND d.trashed_at IS NULL`,
  usage: `SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM document_images WHERE name = ?`,
} as const

/** Images in Tandem's SQLite database. */
export class SqliteImageStore implements ImageStore {
  readonly #stmt: Record<keyof typeof SQL, Statement>

  /** `db`: the documents' database, shared (its owner closes it). */
  constructor(db: Database) {
    this.#stmt = prepareAll(db, SQL)
  }

  async put(image: NewImage): Promise<string | null> {
    const hash = createHash('sha256').update(image.data).digest('hex')
    const existing = this.#stmt.existing.get(image.room, hash) as { id: string } | undefined
    if (existing) return existing.id
    const id = randomBytes(12).toString('base64url')
    const { changes } = this.#stmt.insert.run(
      id,
      image.room,
      image.contentType,
      hash,
      image.data.byteLength,
      image.createdAt,
      image.data,
      image.room,
    )
    return changes === 1 ? id : null
  }

  async get(room: string, id: string): Promise<StoredImage | null> {
    const row = this.#stmt.get.get(room, id) as { contentType: string; data: Buffer } | undefined
    return row ? { contentType: row.contentType, data: new Uint8Array(row.data) } : null
  }

  async usage(room: string): Promise<ImageUsage> {
    return this.#stmt.usage.get(room) as ImageUsage
  }
}
