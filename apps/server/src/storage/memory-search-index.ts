/** A {@link SearchIndex} in process memory, beside a {@link MemoryDocumentStore}, for tests and throwaway servers. */
import type { MemoryDocumentStore } from './memory-document-store.js'
import { type IndexedDocument, matchDocument, queryWords, type SearchHit, type SearchIndex } from './search-index.js'

/** Indexed text per document; entries go with their document. */
export class MemorySearchIndex implements SearchIndex {
  readonly #documents: MemoryDocumentStore
  readonly #entries = new Map<string, IndexedDocument>()

  constructor(documents: MemoryDocumentStore) {
    this.#documents = documents
    documents.onDelete((name) => this.#entries.delete(name))
  }

  async put(document: IndexedDocument): Promise<void> {
    if (this.#documents.has(document.name)) this.#entries.set(document.name, { ...document })
  }

  async titles(): Promise<Map<string, string>> {
    return new Map([...this.#entries.values()].map((entry) => [entry.name, entry.title]))
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    const words = queryWords(query)
    const hits: SearchHit[] = []
    for (const entry of this.#entries.values()) {
      const hit = matchDocument(entry, words)
      if (hit) hits.push(hit)
      if (hits.length >= limit) break
    }
    return hits
  }

  async unindexed(limit: number): Promise<string[]> {
    const names = (await this.#documents.list()).map((info) => info.name)
    return names.filter((name) => !this.#entries.has(name)).slice(0, limit)
  }
}
