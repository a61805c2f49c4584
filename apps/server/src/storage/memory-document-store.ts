/** A {@link DocumentStore} in process memory, for tests and throwaway servers. */
import {
  type AppendResult,
  type DocumentInfo,
  type DocumentStore,
  type PackedSnapshot,
  type StoredDocument,
  type TrashedDocument,
  type UpdateBatch,
} from './document-store.js'

interface MemoryDocument {
  snapshot: Uint8Array | null
  log: Array<{ seq: number; data: Uint8Array }>
  createdAt: number
  updatedAt: number
  /** In the trash: when, and by whom. */
  trashed?: { at: number; by: string }
}

function infoOf(name: string, doc: MemoryDocument): DocumentInfo {
  const logBytes = doc.log.reduce((sum, row) => sum + row.data.byteLength, 0)
  return {
    name,
    bytes: (doc.snapshot?.byteLength ?? 0) + logBytes,
    logRows: doc.log.length,
    logBytes,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  }
}

/** Keeps documents in a `Map`; copies bytes in and out so callers cannot alias stored data. */
export class MemoryDocumentStore implements DocumentStore {
  /** Names of deleted documents, until one is stored under the name again. */
  readonly #deleted = new Map<string, number>()
  readonly #docs = new Map<string, MemoryDocument>()
  readonly #deleteListeners: Array<(name: string) => void> = []
  #seq = 0
  #closed = false

  /** Call `listener` with the name of every document deleted from now on (a memory version store drops its versions). */
  onDelete(listener: (name: string) => void): void {
    this.#deleteListeners.push(listener)
  }

  /** Whether `name` is stored (and not in the trash). */
  has(name: string): boolean {
    return this.#live(name) !== undefined
  }

  async load(name: string): Promise<StoredDocument | null> {
    this.#assertOpen()
    const doc = this.#live(name)
    if (!doc) return null
    return {
      snapshot: doc.snapshot && doc.snapshot.slice(),
      updates: doc.log.map((row) => row.data.slice()),
      lastSeq: doc.log.at(-1)?.seq ?? 0,
    }
  }

  async appendUpdates(batches: readonly UpdateBatch[]): Promise<AppendResult[]> {
    this.#assertOpen()
    const now = Date.now()
    return batches.map(({ name, updates }): AppendResult => {
      let doc = this.#docs.get(name)
      if (!doc) {
        doc = { snapshot: null, log: [], createdAt: now, updatedAt: now }
        this.#docs.set(name, doc)
        this.#deleted.delete(name)
      }
      if (doc.trashed) return { name, lastSeq: 0, logRows: 0, logBytes: 0, trashed: true }
      for (const update of updates) doc.log.push({ seq: ++this.#seq, data: update.slice() })
      doc.updatedAt = now
      const info = infoOf(name, doc)
      return { name, lastSeq: this.#seq, logRows: info.logRows, logBytes: info.logBytes }
    })
  }

  /** Kept as it is: memory is not where compression pays. */
  async packSnapshot(snapshot: Uint8Array): Promise<PackedSnapshot> {
    return { bytes: snapshot.slice(), encoding: 'yjs' }
  }

  async compact(name: string, snapshot: PackedSnapshot, throughSeq: number): Promise<void> {
    this.#assertOpen()
    if (snapshot.encoding !== 'yjs') throw new Error(`a memory store keeps snapshots as Yjs updates, not ${snapshot.encoding}`)
    const now = Date.now()
    const doc = this.#docs.get(name) ?? { snapshot: null, log: [], createdAt: now, updatedAt: now }
    if (doc.trashed) return
    doc.snapshot = snapshot.bytes.slice()
    doc.log = doc.log.filter((row) => row.seq > throughSeq)
    this.#docs.set(name, doc)
  }

  async info(name: string): Promise<DocumentInfo | null> {
    this.#assertOpen()
    const doc = this.#live(name)
    return doc ? infoOf(name, doc) : null
  }

  async list(): Promise<DocumentInfo[]> {
    this.#assertOpen()
    return (
      [...this.#docs.entries()]
        .filter(([, doc]) => !doc.trashed)
        .map(([name, doc]) => infoOf(name, doc))
        // Code-unit order, the same as SQLite's default BINARY collation.
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    )
  }

  async count(): Promise<number> {
    this.#assertOpen()
    return this.#docs.size
  }

  async trash(name: string, by: string): Promise<boolean> {
    this.#assertOpen()
    const doc = this.#live(name)
    if (doc) doc.trashed = { at: Date.now(), by }
    return doc !== undefined
  }

  async restore(name: string): Promise<boolean> {
    this.#assertOpen()
    const doc = this.#docs.get(name)
    if (!doc?.trashed) return false
    delete doc.trashed
    return true
  }

  async trashed(name: string): Promise<TrashedDocument | null> {
    this.#assertOpen()
    const doc = this.#docs.get(name)
    return doc?.trashed ? { ...infoOf(name, doc), trashedAt: doc.trashed.at, trashedBy: doc.trashed.by } : null
  }

  async trashList(): Promise<TrashedDocument[]> {
    this.#assertOpen()
    const trashed: TrashedDocument[] = []
    for (const name of this.#docs.keys()) {
      const entry = await this.trashed(name)
      if (entry) trashed.push(entry)
    }
    return trashed.sort((a, b) => b.trashedAt - a.trashedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async purge(name: string, trashedBefore = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    const trashed = this.#docs.get(name)?.trashed
    return trashed !== undefined && trashed.at <= trashedBefore && this.delete(name)
  }

  async delete(name: string): Promise<boolean> {
    this.#assertOpen()
    const existed = this.#docs.delete(name)
    if (existed) {
      this.#deleted.set(name, Date.now())
      for (const listener of this.#deleteListeners) listener(name)
    }
    return existed
  }

  async deletedAt(name: string): Promise<number | null> {
    return this.#docs.get(name)?.trashed?.at ?? this.#deleted.get(name) ?? null
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  /** The document `name` unless it is missing or in the trash. */
  #live(name: string): MemoryDocument | undefined {
    const doc = this.#docs.get(name)
    return doc?.trashed ? undefined : doc
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('document store is closed')
  }
}
