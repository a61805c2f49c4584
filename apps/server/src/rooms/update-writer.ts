/**
 * Persist-before-broadcast. Document updates are queued here and written to the store once per
 * event-loop turn, all rooms in one transaction; work that must only happen after those updates are
 * durable (relaying them, answering a sync step 1) is queued with {@link UpdateWriter.afterPersist}
 * and runs, in order, once the write that covers it has committed. If a write fails, the queued work
 * of the rooms in that batch is dropped and `onFailure` is told, so nothing unsaved is ever relayed.
 */
import type { AppendResult, DocumentStore, UpdateBatch } from '../storage/document-store.js'

/** What an {@link UpdateWriter} reports back. */
export interface UpdateWriterEvents {
  /** After a batch committed, with the log state of each document written. */
  onPersisted(results: AppendResult[]): void
  /** After a batch failed; the listed rooms' in-memory state is now ahead of storage. */
  onFailure(names: string[], error: unknown): void
  /** When queued work threw; the queue itself keeps going. */
  onError(error: unknown): void
  /** After every committed batch: how many updates and how long the write took, in seconds. */
  onBatchWritten?(updates: number, seconds: number): void
}

interface Deferred {
  name: string
  run: () => void
}

/** Batches document updates per event-loop turn and orders work after their commit. */
export class UpdateWriter {
  readonly #store: DocumentStore
  readonly #events: UpdateWriterEvents
  #pending = new Map<string, Uint8Array[]>()
  /** Updates queued or being written, per room, until their batch commits or fails. */
  readonly #unpersisted = new Map<string, number>()
  #deferred: Deferred[] = []
  #chain: Promise<void> = Promise.resolve()
  #scheduled: NodeJS.Immediate | null = null
  #generation = 0

  constructor(store: DocumentStore, events: UpdateWriterEvents) {
    this.#store = store
    this.#events = events
  }

  /**
   * Increases each time a batch is taken for writing. Work queued while the number stays the same
   * lands in the same batch, which lets rooms coalesce what they relay per batch.
   */
  get generation(): number {
    return this.#generation
  }

  /** Queue `update` of room `name` for the next batch. */
  enqueue(name: string, update: Uint8Array): void {
    const list = this.#pending.get(name)
    if (list) list.push(update)
    else this.#pending.set(name, [update])
    this.#unpersisted.set(name, (this.#unpersisted.get(name) ?? 0) + 1)
    this.#schedule()
  }

  /** Whether room `name` has updates that are not durable yet (queued, or in a write not committed). */
  hasUnpersisted(name: string): boolean {
    return this.#unpersisted.has(name)
  }

  /** Run `run` once every update queued so far is durable. Dropped if room `name`'s write fails. */
  afterPersist(name: string, run: () => void): void {
    this.#deferred.push({ name, run })
    this.#schedule()
  }

  /** Resolves once everything queued so far is written (or has failed) and its work has run. */
  flushed(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled)
      this.#flush()
    }
    return this.#chain
  }

  /** Run `task` between batches, never concurrently with a write; used for compaction. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(task)
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  #schedule(): void {
    this.#scheduled ??= setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = null
    const batches: UpdateBatch[] = [...this.#pending].map(([name, updates]) => ({ name, updates }))
    const deferred = this.#deferred
    this.#pending = new Map()
    this.#deferred = []
    this.#generation++
    this.#chain = this.#chain.then(async () => {
      let failed = new Set<string>()
      if (batches.length > 0) {
        let results: AppendResult[] | undefined
        const started = performance.now()
        try {
          results = await this.#store.appendUpdates(batches)
          const count = batches.reduce((sum, batch) => sum + batch.updates.length, 0)
          this.#guard(() => this.#events.onBatchWritten?.(count, (performance.now() - started) / 1000))
        } catch (error) {
          failed = new Set(batches.map((batch) => batch.name))
          this.#guard(() => this.#events.onFailure([...failed], error))
        }
        for (const batch of batches) this.#settled(batch)
        if (results) this.#guard(() => this.#events.onPersisted(results))
      }
      for (const work of deferred) {
        if (!failed.has(work.name)) this.#guard(work.run)
      }
    })
  }

  #settled(batch: UpdateBatch): void {
    const left = (this.#unpersisted.get(batch.name) ?? 0) - batch.updates.length
    if (left > 0) this.#unpersisted.set(batch.name, left)
    else this.#unpersisted.delete(batch.name)
  }

  #guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      this.#events.onError(error)
    }
  }
}
