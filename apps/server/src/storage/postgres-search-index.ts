/**
 * {@link SearchIndex} in PostgreSQL (`document_search`, deleted with its document). The folded
 * column narrows the candidates to rows holding the first word; matching is then done here the way
 * the memory index does it (every word as the start of a word, accents folded);
 * a tsvector index can replace it behind the same interface when collections grow large.
 */
import type pg from 'pg'

import { fold, type IndexedDocument, matchDocument, nameWords, queryWords, type SearchHit, type SearchIndex } from './search-index.js'

const SQL = {
  put: `INSERT INTO document_search (name, title, body, folded) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM documents WHERE name = $1)
        ON CONFLICT (name) DO UPDATE SET title = excluded.title, body = excluded.body, folded = excluded.folded`,
  titles: `SELECT name, title FROM document_search`,
  // Rows holding the first word anywhere; the exact rules (word starts, every word) are checked after.
  candidates: `SELECT name, title, body FROM document_search WHERE folded LIKE $1 ORDER BY name LIMIT 5000`,
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
    // Words are letters and digits only, so none holds a LIKE wildcard.
    const { rows } = await this.#pool.query<IndexedDocument>(SQL.candidates, [`%${words[0]!}%`])
    const hits: SearchHit[] = []
    for (const row of rows) {
      const hit = matchDocument(row, words)
      if (hit) hits.push(hit)
      if (hits.length >= limit) break
    }
    return hits
  }

  async unindexed(limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ name: string }>(SQL.unindexed, [limit])
    return rows.map((row) => row.name)
  }
}
