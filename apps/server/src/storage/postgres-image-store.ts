/** {@link ImageStore} in PostgreSQL (`document_images`, deleted with its document). */
import { createHash, randomBytes } from 'node:crypto'

import type pg from 'pg'

import type { ImageStore, ImageUsage, NewImage, StoredImage } from './image-store.js'

const SQL = {
  // The same bytes in the same document keep the id they have (two uploads racing store one).
  put: `WITH inserted AS (
          INSERT INTO document_images (id, name, content_type, content_hash, bytes, created_at, data)
          SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM documents WHERE name = $2 AND trashed_at IS NULL)
          ON CONFLICT (name, content_hash) DO NOTHING RETURNING id)
        SELECT id FROM inserted UNION ALL SELECT id FROM document_images WHERE name = $2 AND content_hash = $4 LIMIT 1`,
  get: `SELECT i.content_type AS "contentType", i.data FROM document_images AS i JOIN documents AS d ON d.name = i.name
    WHERE i.name = $1 AND i.id = $2 AND d.trashed_at IS NULL`,
  usage: `SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM document_images WHERE name = $1`,
} as const

/** Images in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresImageStore implements ImageStore {
  readonly #pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  async put(image: NewImage): Promise<string | null> {
    const hash = createHash('sha256').update(image.data).digest('hex')
    const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)
    const { rows } = await this.#pool.query<{ id: string }>(SQL.put, [
      randomBytes(12).toString('base64url'),
      image.room,
      image.contentType,
      hash,
      image.data.byteLength,
      image.createdAt,
      data,
    ])
    return rows[0]?.id ?? null
  }

  async get(room: string, id: string): Promise<StoredImage | null> {
    const { rows } = await this.#pool.query<{ contentType: string; data: Buffer }>(SQL.get, [room, id])
    const row = rows[0]
    return row ? { contentType: row.contentType, data: new Uint8Array(row.data) } : null
  }

  async usage(room: string): Promise<ImageUsage> {
    const { rows } = await this.#pool.query<{ count: number; bytes: number | string }>(SQL.usage, [room])
    return { count: Number(rows[0]!.count), bytes: Number(rows[0]!.bytes) }
  }
}
