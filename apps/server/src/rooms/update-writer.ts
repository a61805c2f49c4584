/**
 * Persist-before-broadcast. Document updates are queued here and written to the store once per
 * event-loop turn, all rooms in one transaction; work that must only happen after those updates are
 * durable (relaying them, answering a sync step 1) is queued with {@link UpdateWriter.afterPersist}
 * and runs, in order, once the write that covers it has committed and, with a store that has
 * {@link DocumentStore.durable}, once that commit is on the disk. If a write fails, the queued work
 * of the rooms in that batch is dropped and `onFailure` is told, so nothing unsaved is ever relayed.
 */
import { type AppendResult, type DocumentStore, DocumentTrashedError, type UpdateBatch } from '../storage/document-store.js'

/** What an {@link UpdateWriter} reports back. */
export interface UpdateWriterEvents {
  /** After a batch committed, with the log state of each document written (`results[i]` is `batches[i]`'s). */
  onPersisted(results: AppendResult[], batches: readonly UpdateBatch[]): void
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
  /** Bytes of updates per room queued or in a commit not finished yet. */
  readonly #uncommittedBytes = new Map<string, number>()
  #deferred: Deferred[] = []
  /** Commits, one at a time, and the exclusive tasks between them. */
  #chain: Promise<void> = Promise.resolve()
  /** Everything flushed so far: commits made durable and the work that waited for them. */
  #ready: Promise<void> = Promise.resolve()
  /** Per room with work or durability still on the way: when it is done (work runs in order per room). */
  readonly #roomReady = new Map<string, Promise<void>>()
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
    this.#uncommittedBytes.set(name, (this.#uncommittedBytes.get(name) ?? 0) + update.byteLength)
    this.#schedule()
  }

  /** Bytes of room `name`'s updates not committed yet: with its stored size, what it will take. */
  unwrittenBytes(name: string): number {
    return this.#uncommittedBytes.get(name) ?? 0
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

  /** Resolves once everything queued so far is durable (or has failed), its work has run and exclusive tasks are done. */
  flushed(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled)
      this.#flush()
    }
    return Promise.all([this.#chain, this.#ready]).then(() => undefined)
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
    const started = performance.now()
    // Commits run one after another; the wait for the disk (power-safe stores) runs beside the next
    // commits, so those made while one fsync runs share the next.
    const committed = this.#chain.then(() => this.#commit(batches))
    this.#chain = committed.then(() => undefined)
    const durable = committed.then((failed) => this.#durable(batches, failed, started))
    // A room's work runs in order, once its own updates are durable: a room with nothing on the way
    // to the disk (a newcomer's sync answer in a quiet room) never waits for another room's fsync.
    const work = new Map<string, Array<() => void>>(batches.map((batch) => [batch.name, []]))
    const written = new Set(work.keys())
    for (const { name, run } of deferred) {
      const runs = work.get(name)
      if (runs) runs.push(run)
      else work.set(name, [run])
    }
    const done: Promise<void>[] = [this.#ready, durable.then(() => undefined)]
    for (const [name, runs] of work) {
      const gate = written.has(name) ? durable : committed
      const ready: Promise<void> = Promise.all([this.#roomReady.get(name), gate]).then(([, failed]) => {
        if (!failed.has(name)) for (const run of runs) this.#guard(run)
        if (this.#roomReady.get(name) === ready) this.#roomReady.delete(name)
      })
      this.#roomReady.set(name, ready)
      done.push(ready)
    }
    this.#ready = Promise.all(done).then(() => undefined)
  }

  /** Append the batches; the names of the rooms whose append failed. */
  async #commit(batches: UpdateBatch[]): Promise<Set<string>> {
    if (batches.length === 0) return new Set()
    try {
      const results = await this.#store.appendUpdates(batches)
      this.#uncommitted(batches)
      if (!results.some((result) => result.trashed)) {
        this.#guard(() => this.#events.onPersisted(results, batches))
        return new Set()
      }
      // A document deleted meanwhile (on another node, or while its room was on its way out): its
      // updates were not stored, the others were.
      const trashed = batches.filter((_, index) => results[index]!.trashed)
      const stored = batches.filter((_, index) => !results[index]!.trashed)
      this.#guard(() =>
        this.#events.onPersisted(
          results.filter((result) => !result.trashed),
          stored,
        ),
      )
      return this.#failed(trashed, new DocumentTrashedError(trashed[0]!.name))
    } catch (error) {
      this.#uncommitted(batches)
      return this.#failed(batches, error)
    }
  }

  /** The batches' bytes are no longer on their way: stored, or failed. */
  #uncommitted(batches: readonly UpdateBatch[]): void {
    for (const { name, updates } of batches) {
      const left = (this.#uncommittedBytes.get(name) ?? 0) - updates.reduce((sum, update) => sum + update.byteLength, 0)
      if (left > 0) this.#uncommittedBytes.set(name, left)
      else this.#uncommittedBytes.delete(name)
    }
  }

  /** Once the committed batches are durable: the rooms whose updates are not (all of them if the disk failed). */
  async #durable(batches: UpdateBatch[], failed: Set<string>, started: number): Promise<Set<string>> {
    const written = failed.size === 0 ? batches : batches.filter((batch) => !failed.has(batch.name))
    if (written.length === 0) return failed
    try {
      await this.#store.durable?.()
    } catch (error) {
      return new Set([...failed, ...this.#failed(written, error)])
    }
    const count = written.reduce((sum, batch) => sum + batch.updates.length, 0)
    this.#guard(() => this.#events.onBatchWritten?.(count, (performance.now() - started) / 1000))
    for (const batch of written) this.#settled(batch)
    return failed
  }

  /** The batches' write (or sync) failed: say so, count them settled, and name their rooms. */
  #failed(batches: UpdateBatch[], error: unknown): Set<string> {
    const failed = new Set(batches.map((batch) => batch.name))
    this.#guard(() => this.#events.onFailure([...failed], error))
    for (const batch of batches) this.#settled(batch)
    return failed
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
