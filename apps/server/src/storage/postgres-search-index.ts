/**
 * {@link SearchIndex} in PostgreSQL (`document_search`, deleted with its document). Matching runs
 * in the database on a folded copy of the text (lower case, no accents), every word as the start of
 * a word, as the memory index does;
 * a tsvector index can replace it behind the same interface when collections grow large.
 */
import type pg from 'pg'

import { fold, type IndexedDocument, nameWords, queryWords, type SearchHit, type SearchIndex, snippetOf } from './search-index.js'

const SQL = {
  put: `INSERT INTO document_search (name, title, body, folded) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM documents WHERE name = $1)
        ON CONFLICT (name) DO UPDATE SET title = excluded.title, body = excluded.body, folded = excluded.folded`,
  titles: `SELECT name, title FROM document_search`,

  unindexed: `SELECT name FROM documents WHERE name NOT IN (SELECT name FROM document_search) ORDER BY updated_at DESC LIMIT $1`,
} as const

/** The search index in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresSearchIndex implements SearchIndex {
  readonly #pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  async put(document: IndexedDocument): Promise<void> {
    const folded = fold(`${document.title} ${nameWords(document.name)} ${document.body}`)
    await this.#pool.query(SQL.put, [document.name, document.title, document.body, folded])
  }

  async titles(): Promise<Map<string, string>> {
    const { rows } = await this.#pool.query<{ name: string; title: string }>(SQL.titles)
    return new Map(rows.map((row) => [row.name, row.title]))
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    const words = queryWords(query)
    if (words.length === 0) return []
    // Every word must start a word of the folded text (`\m`: start of a word). Words are letters and
    // digits only, so none holds regular-expression syntax. Only a stretch of each body comes back,
    // around the first word's first place, for the snippet.
    const conditions = words.map((_, i) => `folded ~ ('\\m' || $${i + 3})`).join(' AND ')
    const { rows } = await this.#pool.query<{ name: string; excerpt: string }>(
      `SELECT name, substr(body, greatest(1, strpos(lower(body), $1) - 200), 600) AS excerpt
       FROM document_search WHERE ${conditions} ORDER BY name LIMIT $2`,
      [words[0], limit, ...words],
    )
    return rows.map((row) => ({ name: row.name, snippet: snippetOf(row.excerpt, words) }))
  }

  async unindexed(limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ name: string }>(SQL.unindexed, [limit])
    return rows.map((row) => row.name)
  }
}
