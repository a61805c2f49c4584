/**
 * Crash-safe durability without fsync on the event loop. The database runs `synchronous = NORMAL`
 * with automatic checkpoints off: a commit writes its pages to the write-ahead log (in the operating
 * system's cache, so a killed process loses nothing it committed) and returns at once. This worker
 * thread makes the log durable and copies it into the database every `intervalMs`, so a power cut or
 * kernel crash loses at most the last interval plus one flush.
 *
 * If the worker fails it is started again once; if that fails too, the main connection goes back to
 * checkpointing by itself (SQLite's automatic checkpoints, which sync on the event loop) and the
 * error is logged: the database stays correct and bounded, only slower.
 */
import type { Worker } from 'node:worker_threads'

import type { Database } from 'better-sqlite3'

import type { Logger } from '../logger.js'
import { siblingModule, startModuleWorker } from '../threads/module-worker.js'
import type { FlushReply, FlushRequest, FlushWorkerData } from './wal-flush-messages.js'

/** SQLite's default `wal_autocheckpoint`, in pages, restored when the worker is gone for good. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000

/** How long closing waits for the worker's last flush. */
const CLOSE_TIMEOUT_MS = 10_000

/** Options of {@link WalFlusher}. */
export interface WalFlusherOptions {
  /** The main connection, opened in WAL mode with `synchronous = NORMAL`. */
  db: Database
  /** Its file (not `:memory:`). */
  filename: string
  /** Longest time between two flushes. */
  intervalMs: number
  logger: Logger
}

/** Flushes the database's write-ahead log from a worker thread; see the file comment. */
export class WalFlusher {
  readonly #options: WalFlusherOptions
  #worker: Worker | null = null
  #restarts = 0
  #closed = false
  #last: FlushReply | null = null

  constructor(options: WalFlusherOptions) {
    this.#options = options
    // From now on only the worker checkpoints: a checkpoint syncs, and syncs must stay off this thread.
    options.db.pragma('wal_autocheckpoint = 0')
    this.#start()
  }

  /** The last flush: when it ended and how long it took; `null` before the first. */
  get lastFlush(): FlushReply | null {
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
    await worker.terminate()
  }

  #start(): void {
    const data: FlushWorkerData = { filename: this.#options.filename, intervalMs: this.#options.intervalMs }
    const worker = startModuleWorker(siblingModule(import.meta.url, 'wal-flush-worker'), { workerData: data })
    worker.unref()
    this.#worker = worker
    worker.on('message', (reply: FlushReply) => {
      this.#last = reply
      if (reply.ms > this.#options.intervalMs) {
        this.#options.logger.warn(
          { flushMs: Math.round(reply.ms), intervalMs: this.#options.intervalMs },
          'flushing the database log took longer than FLUSH_INTERVAL_MS',
        )
      }
    })
    const ended = (detail: object): void => {
      if (this.#worker !== worker || this.#closed) return
      this.#worker = null
      if (this.#restarts++ < 1) {
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
}
