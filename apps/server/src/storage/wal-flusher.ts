/**
 * Crash-safe durability without an fsync per commit on the event loop. The database runs
 * `synchronous = NORMAL` with automatic checkpoints off: a commit writes its pages to the write-ahead
 * log (in the operating system's cache, so a killed process loses nothing it committed) and returns
 * at once. A worker thread makes the log durable and copies it into the database every `intervalMs`,
 * so a power cut or kernel crash loses at most the last interval plus one flush. What stays on the
 * event loop is SQLite's sync of the log's header each time the log starts over (about once per
 * interval), which keeps a restarted log recoverable.
 *
 * If the worker fails it is started again, at most {@link MAX_RESTARTS} times in a row (a run of
 * healthy flushes resets the count); past that the main connection goes back to checkpointing by
 * itself (SQLite's automatic checkpoints, which sync on the event loop) and the error is logged: the
 * database stays correct and bounded, but a power cut may lose more than an interval
 * (`tandem_log_flush_age_seconds` shows it). An I/O error of the fsync itself is not retried: the
 * kernel may have dropped pages it could not write, so `onDurabilityLost` is called (the server stops).
 */
import type { Worker } from 'node:worker_threads'

import type { Database } from 'better-sqlite3'

import type { Logger } from '../logger.js'
import { siblingModule, startModuleWorker } from '../threads/module-worker.js'
import type { FlushDone, FlushReply, FlushRequest, FlushWorkerData } from './wal-flush-messages.js'

/** SQLite's default `wal_autocheckpoint`, in pages, restored when the worker is gone for good. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000

/** How long closing waits for the worker's last flush, then for its end (a thread stuck in fsync cannot be stopped). */
const CLOSE_TIMEOUT_MS = 10_000

/** Restarts of a failed worker in a row before SQLite checkpoints by itself again. */
const MAX_RESTARTS = 3

/** Healthy flushes after which a restart is forgotten. */
const HEALTHY_FLUSHES = 60

/** Least time between two "flush took longer than the interval" warnings. */
const SLOW_WARNING_EVERY_MS = 60_000

/** Options of {@link WalFlusher}. */
export interface WalFlusherOptions {
  /** The main connection, opened in WAL mode with `synchronous = NORMAL`. */
  db: Database
  /** Its file (not `:memory:`). */
  filename: string
  /** Longest time between two flushes. */
  intervalMs: number
  logger: Logger
  /** The disk failed an fsync: what was committed may not be on it. Called once. */
  onDurabilityLost?: (error: string) => void
}

/** Flushes the database's write-ahead log from a worker thread; see the file comment. */
export class WalFlusher {
  readonly #options: WalFlusherOptions
  #worker: Worker | null = null
  #restarts = 0
  #healthy = 0
  #closed = false
  #last: FlushDone | null = null
  #lastSlowWarning = 0
  /** The disk failed an fsync: nothing more is retried. */
  #lost = false

  constructor(options: WalFlusherOptions) {
    this.#options = options
    // From now on only the worker checkpoints: a checkpoint syncs, and syncs must stay off this thread.
    options.db.pragma('wal_autocheckpoint = 0')
    this.#start()
  }

  /** The last flush: when it ended and how long it took; `null` before the first. */
  get lastFlush(): FlushDone | null {
    return this.#last
  }

  /** Whether the worker is flushing (false once it failed for good: SQLite then checkpoints itself). */
  get running(): boolean {
    return this.#worker !== null
  }

  /** Flush once more and stop the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const worker = this.#worker
    if (!worker) return
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)
      worker.on('message', (reply: FlushReply) => {
        if (reply.type !== 'closed') return
        clearTimeout(timer)
        resolve()
      })
      worker.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    worker.postMessage({ type: 'close' } satisfies FlushRequest)
    await closed
    this.#worker = null
    await Promise.race([worker.terminate(), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())])
  }

  #start(): void {
    const data: FlushWorkerData = { filename: this.#options.filename, intervalMs: this.#options.intervalMs }
    const worker = startModuleWorker(siblingModule(import.meta.url, 'wal-flush-worker'), { workerData: data })
    worker.unref()
    this.#worker = worker
    worker.on('message', (reply: FlushReply) => {
      if (reply.type === 'failed') {
        if (reply.io) this.#lose(reply.message)
        return
      }
      this.#last = reply
      if (++this.#healthy >= HEALTHY_FLUSHES) this.#restarts = 0
      if (reply.ms > this.#options.intervalMs && Date.now() - this.#lastSlowWarning > SLOW_WARNING_EVERY_MS) {
        this.#lastSlowWarning = Date.now()
        this.#options.logger.warn(
          { flushMs: Math.round(reply.ms), intervalMs: this.#options.intervalMs },
          'flushing the database log took longer than FLUSH_INTERVAL_MS',
        )
      }
    })
    const ended = (detail: object): void => {
      if (this.#worker !== worker || this.#closed || this.#lost) return
      this.#worker = null
      this.#healthy = 0
      if (this.#restarts++ < MAX_RESTARTS) {
        this.#options.logger.error(detail, 'the database flush worker stopped; starting it again')
        this.#start()
        return
      }
      this.#options.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`)
      this.#options.logger.error(detail, 'the database flush worker stopped again; SQLite checkpoints on the main thread from now on')
    }
    worker.on('error', (error) => ended({ err: error }))
    worker.on('exit', (code) => ended({ code }))
  }

  #lose(error: string): void {
    if (this.#lost) return
    this.#lost = true
    this.#worker = null
    this.#options.logger.fatal({ error }, 'the disk failed to sync the database log: what was saved may not be on it')
    this.#options.onDurabilityLost?.(error)
  }
}
