/**
 * {@link SearchIndex} on SQLite FTS5, in the documents' database: `document_search` holds the text
 * (deleted with its document by the foreign key), `document_fts` indexes it (external content, kept
 * in step by triggers), with accents folded; words match as prefixes, results ranked by bm25.
 */
import type { Statement } from 'better-sqlite3'

import { type IndexedDocument, nameWords, queryWords, type SearchHit, type SearchIndex } from './search-index.js'
import { type Database, prepareAll } from './sqlite-database.js'

const SQL = {
  put: `INSERT INTO document_search (name, title, label, body) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documents WHERE name = ?)
        ON CONFLICT (name) DO UPDATE SET title = excluded.title, label = excluded.label, body = excluded.body`,
  titles: `SELECT name, title FROM document_search`,
  search: `SELECT s.name AS name, snippet(document_fts, 2, '«', '»', '…', 16) AS snippet
           FROM document_fts JOIN document_search s ON s.id = document_fts.rowid
           WHERE document_fts MATCH ? ORDER BY rank LIMIT ?`,
  unindexed: `SELECT name FROM documents WHERE name NOT IN (SELECT name FROM document_search) ORDER BY updated_at DESC LIMIT ?`,
} as const

/** The search index in Tandem's SQLite database. */
export class SqliteSearchIndex implements SearchIndex {
  readonly #stmt: Record<keyof typeof SQL, Statement>

  /** `db`: the documents' database, shared (its owner closes it). */
  constructor(db: Database) {
    this.#stmt = prepareAll(db, SQL)
  }

  async put(document: IndexedDocument): Promise<void> {
    this.#stmt.put.run(document.name, document.title, nameWords(document.name), document.body, document.name)
  }

  async titles(): Promise<Map<string, string>> {
    const rows = this.#stmt.titles.all() as { name: string; title: string }[]
    return new Map(rows.map((row) => [row.name, row.title]))
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    const words = queryWords(query)
    if (words.length === 0) return []
    // Each word quoted (no FTS5 syntax gets through) and matched as a prefix; all must appear.
    const match = words.map((word) => `"${word}"*`).join(' ')
    return this.#stmt.search.all(match, limit) as SearchHit[]
  }

  async unindexed(limit: number): Promise<string[]> {
    return (this.#stmt.unindexed.all(limit) as { name: string }[]).map((row) => row.name)
  }
}
