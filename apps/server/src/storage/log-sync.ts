/**
 * Power-safe durability without waiting for the disk on the event loop. Commits run with
 * `synchronous = NORMAL`: they write their pages to the write-ahead log, in the operating system's
 * cache, and return. {@link LogSync.sync} then resolves once an fsync of the log that started after
 * the call has finished: everything committed before the call survives a power cut from then on.
 *
 * The fsync runs on libuv's thread pool, so sockets, other rooms and `/api/health` go on meanwhile.
 * At most one fsync is in flight: calls that arrive while it runs wait together for the next one
 * (group commit), so a slow disk costs latency, never one fsync per commit.
 *
 * If the disk fails an fsync, the kernel may have dropped pages it could not write and a later
 * fsync that succeeds proves nothing: every waiting and later call is refused and `onDurabilityLost`
 * is called once (the server stops).
 */
import { close, fsync, openSync } from 'node:fs'

/** Options of {@link LogSync}. */
export interface LogSyncOptions {
  /** The database file (not `:memory:`), opened in WAL mode: its log is `<filename>-wal`. */
  filename: string
  /** The disk failed an fsync: what was committed may not be on it. Called once. */
  onDurabilityLost?: (error: Error) => void
  /** fsync itself; replaced in tests to stand for a slow or failing disk. */
  fsync?: (fd: number, done: (error: Error | null) => void) => void
}

interface Waiter {
  resolve: () => void
  reject: (error: Error) => void
}

/** What {@link LogSync} has done so far, for the metrics. */
export interface LogSyncStats {
  /** fsyncs finished. */
  syncs: number
  /** Calls of `sync` they answered (more than `syncs` when commits were grouped). */
  commits: number
  /** Duration of the last fsync, ms. */
  lastMs: number
}

/** Makes the database's log durable on request, off the event loop; see the file comment. */
export class LogSync {
  readonly #fd: number
  readonly #fsync: (fd: number, done: (error: Error | null) => void) => void
  readonly #onDurabilityLost: ((error: Error) => void) | undefined
  /** Waiting for the next fsync: they arrived after the one in flight had started. */
  #next: Waiter[] = []
  #inFlight = false
  #lost: Error | null = null
  #closed = false
  readonly #stats: LogSyncStats = { syncs: 0, commits: 0, lastMs: 0 }

  constructor(options: LogSyncOptions) {
    // The connection that opened the database in WAL mode created the log, and keeps it while open.
    this.#fd = openSync(`${options.filename}-wal`, 'r')
    this.#fsync = options.fsync ?? fsync
    this.#onDurabilityLost = options.onDurabilityLost
  }

  get stats(): Readonly<LogSyncStats> {
    return this.#stats
  }

  /** Resolves once everything committed before this call is on the disk; rejects if the disk failed. */
  sync(): Promise<void> {
    if (this.#lost) return Promise.reject(this.#lost)
    if (this.#closed) return Promise.reject(new Error('the database log is closed'))
    return new Promise<void>((resolve, reject) => {
      this.#next.push({ resolve, reject })
      if (!this.#inFlight) this.#start()
    })
  }

  /** Wait for the fsync in flight and the calls queued behind it, then release the log's file. */
  async close(): Promise<void> {
    if (this.#closed) return
    const pending = this.#inFlight || this.#next.length > 0 ? this.sync().catch(() => undefined) : Promise.resolve()
    this.#closed = true
    await pending
    await new Promise<void>((resolve) => close(this.#fd, () => resolve()))
  }

  #start(): void {
    // Covered by this fsync: the calls made before it started.
    const done = this.#next
    this.#next = []
    this.#inFlight = true
    const started = performance.now()
    this.#fsync(this.#fd, (error) => {
      this.#inFlight = false
      if (error) {
        this.#lose(error, done)
        return
      }
      this.#stats.syncs++
      this.#stats.commits += done.length
      this.#stats.lastMs = performance.now() - started
      for (const waiter of done) waiter.resolve()
      if (this.#next.length > 0) this.#start()
    })
  }

  #lose(error: Error, done: Waiter[]): void {
    this.#lost = error
    const waiting = [...done, ...this.#next]
    this.#next = []
    for (const waiter of waiting) waiter.reject(error)
    this.#onDurabilityLost?.(error)
  }
}
