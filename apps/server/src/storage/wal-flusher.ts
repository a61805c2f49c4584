/**
 * Crash-safe durability without an fsync per commit on the event loop. The database runs
 * `synchronous = NORMAL` with automatic checkpoints off: a commit writes its pages to the write-ahead
 * log (in the operating system's cache, so a killed process loses nothing it committed) and returns
 * at once. Every `intervalMs`, if anything was committed since the last flush, a worker thread makes
 * the log durable and copies it into the database, so a power cut or kernel crash loses at most the
 * last interval plus one flush. What stays on the event loop is SQLite's sync of the log's header
 * each time the log starts over (about once per interval), which keeps a restarted log recoverable.
 *
 * The worker (its own V8 heap and SQLite connection, some 10 MiB) exists only while there is work:
 * it starts at the first commit after a quiet spell and stops after {@link IDLE_MS} without one. The
 * log is flushed on the main thread once at start, before the server listens, so a server that
 * nobody writes to never starts it.
 *
 * If the worker fails it is started again, at most {@link MAX_RESTARTS} times in a row (a run of
 * healthy flushes resets the count); past that the main connection goes back to checkpointing by
 * itself (SQLite's automatic checkpoints, which sync on the event loop) and the error is logged: the
 * database stays correct and bounded, but a power cut may lose more than an interval
 * (`tandem_log_flush_age_seconds` shows it). An I/O error of the fsync itself is not retried: the
 * kernel may have dropped pages it could not write, so `onDurabilityLost` is called (the server stops).
 */
import type { Worker } from 'node:worker_threads'

import type { Database, Statement } from 'better-sqlite3'

import type { Logger } from '../logger.js'
import { siblingModule, startModuleWorker } from '../threads/module-worker.js'
import type { FlushDone, FlushReply, FlushRequest, FlushWorkerData } from './wal-flush-messages.js'

/** SQLite's default `wal_autocheckpoint`, in pages, restored when the worker is gone for good. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000

/** How long closing waits for the worker's last flush, then for its end (a thread stuck in fsync cannot be stopped). */
const CLOSE_TIMEOUT_MS = 10_000

/** Restarts of a failed worker in a row before SQLite checkpoints by itself again. */
const MAX_RESTARTS = 3

/** How long the worker stays without anything to flush before it stops. */
const IDLE_MS = 30_000

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
  /** How long the worker waits with nothing to flush before it stops; {@link IDLE_MS} by default. */
  idleMs?: number
}

/** Flushes the database's write-ahead log from a worker thread; see the file comment. */
export class WalFlusher {
  readonly #options: WalFlusherOptions
  readonly #totalChanges: Statement
  readonly #timer: NodeJS.Timeout
  #worker: Worker | null = null
  /** Rows changed through the main connection as of the last look: more now means something to flush. */
  #seenChanges: number
  /** When the last look found rows changed since the one before. */
  #changedAt = performance.now()
  #restarts = 0
  #healthy = 0
  #closed = false
  /** SQLite checkpoints by itself again: the worker failed too often. */
  #gaveUp = false
  #last: FlushDone
  #lastSlowWarning = 0
  /** The disk failed an fsync: nothing more is retried. */
  #lost = false

  constructor(options: WalFlusherOptions) {
    this.#options = options
    // From now on only the flusher checkpoints: a checkpoint syncs, and syncs must stay off this thread.
    options.db.pragma('wal_autocheckpoint = 0')
    this.#totalChanges = options.db.prepare('SELECT total_changes()').pluck()
    // Once, before anything is served: whatever opening wrote (a migration, a crash's leftovers) is
    // made durable here, so an idle server has nothing to flush and no worker.
    this.#last = this.#flushHere()
    this.#seenChanges = this.#changes()
    this.#timer = setInterval(() => this.#tick(), options.intervalMs)
    this.#timer.unref()
  }

  /**
   * The last flush: when it ended and how long it took. While no worker runs, a look that finds
   * nothing committed since moves `at` on (when nothing is written, nothing is at risk).
   */
  get lastFlush(): FlushDone {
    return this.#last
  }

  /** Whether the flusher still flushes (false once the worker failed for good: SQLite then checkpoints itself). */
  get running(): boolean {
    return !this.#gaveUp && !this.#lost && !this.#closed
  }

  /** Whether the worker thread exists now. */
  get workerStarted(): boolean {
    return this.#worker !== null
  }

  /** Flush once more and stop the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    const worker = this.#worker
    this.#worker = null
    if (worker) await this.#retire(worker)
    else if (!this.#lost && this.#options.db.open) this.#last = { ...this.#flushHere(), type: 'closed' }
  }

  #changes(): number {
    return this.#totalChanges.get() as number
  }

  /** Sync and checkpoint on this thread (at start and at close, when nothing waits). */
  #flushHere(): FlushDone {
    const started = performance.now()
    const [result] = this.#options.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>
    return {
      type: 'flushed',
      at: Date.now(),
      ms: performance.now() - started,
      logFrames: result?.log ?? 0,
      copiedFrames: result?.checkpointed ?? 0,
    }
  }

  /**
   * Every interval: wake the worker when something was committed, and let it go once nothing was for
   * a while. While it runs it flushes every interval by itself, whatever keeps this thread busy.
   */
  #tick(): void {
    if (!this.running) return
    const changes = this.#changes()
    const changed = changes !== this.#seenChanges
    this.#seenChanges = changes
    const now = performance.now()
    if (changed) this.#changedAt = now
    if (!this.#worker) {
      if (changed) this.#workerNow()
      // Nothing written since the last flush: nothing a power cut could take.
      else this.#last = { ...this.#last, at: Date.now() }
      return
    }
    if (now - this.#changedAt >= (this.#options.idleMs ?? IDLE_MS)) {
      const worker = this.#worker
      this.#worker = null
      void this.#retire(worker)
    }
  }

  #workerNow(): Worker {
    if (this.#worker) return this.#worker
    const data: FlushWorkerData = { filename: this.#options.filename, intervalMs: this.#options.intervalMs }
    const worker = startModuleWorker(siblingModule(import.meta.url, 'wal-flush-worker'), { workerData: data })
    worker.unref()
    this.#worker = worker
    worker.on('message', (reply: FlushReply) => {
      if (reply.type === 'failed') {
        if (reply.io) this.#lose(reply.message)
        return
      }
      this.#flushed(reply)
    })
    const ended = (detail: object): void => {
      if (this.#worker !== worker || this.#closed || this.#lost) return
      this.#worker = null
      this.#healthy = 0
      if (this.#restarts++ < MAX_RESTARTS) {
        this.#options.logger.error(detail, 'the database flush worker stopped; starting it again')
        this.#workerNow()
        return
      }
      this.#gaveUp = true
      this.#options.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`)
      this.#options.logger.error(detail, 'the database flush worker stopped again; SQLite checkpoints on the main thread from now on')
    }
    worker.on('error', (error) => ended({ err: error }))
    worker.on('exit', (code) => ended({ code }))
    return worker
  }

  #flushed(reply: FlushDone): void {
    this.#last = reply
    if (++this.#healthy >= HEALTHY_FLUSHES) this.#restarts = 0
    if (reply.ms > this.#options.intervalMs && Date.now() - this.#lastSlowWarning > SLOW_WARNING_EVERY_MS) {
      this.#lastSlowWarning = Date.now()
      this.#options.logger.warn(
        { flushMs: Math.round(reply.ms), intervalMs: this.#options.intervalMs },
        'flushing the database log took longer than FLUSH_INTERVAL_MS',
      )
    }
  }

  /** Ask `worker` (no longer the current one) for a last flush, wait for it (bounded), and end it. */
  async #retire(worker: Worker): Promise<void> {
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
    await Promise.race([worker.terminate(), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())])
  }

  #lose(error: string): void {
    if (this.#lost) return
    this.#lost = true
    this.#worker = null
    this.#options.logger.fatal({ error }, 'the disk failed to sync the database log: what was saved may not be on it')
    this.#options.onDurabilityLost?.(error)
  }
}
