/**
 * Times document updates in a worker thread before the main thread integrates them.
 *
 * Yjs integrates an update in one synchronous call that nothing can interrupt, and some updates cost
 * seconds (see `integration-cost.ts`). Those whose cost cannot be bounded cheaply are first integrated
 * into a mirror of their document in a worker: one that fits `maxIntegrationMs` there costs the same
 * on the main thread (same document, same update, same code); one that does not is refused, and one
 * that runs on past the watchdog is cut off by terminating the worker. The main thread never waits:
 * {@link measure} answers with a promise.
 *
 * A mirror starts from the document's full state when first needed; each later measurement first
 * brings it up to date with what the document got since the last one (a diff, plus the delete set
 * Yjs always sends whole). Ordinary typing is never measured, so mirrors are not fed every update.
 * That encoding is main-thread work, charged to the answer-encoding allowance when one is given.
 * Mirrors are dropped when their room goes, when the least recently used one is over `maxMirrors`,
 * after `mirrorIdleMs` without a measurement, and all at once when the worker is terminated.
 */
import type { Worker } from 'node:worker_threads'

import * as Y from 'yjs'

import type { Logger } from '../logger.js'
import { siblingModule, startWatchedWorker } from '../threads/module-worker.js'
import type { EncodeBudget } from './encode-budget.js'
import type { MeasuredOutcome, ProbeReply, ProbeRequest } from './integration-messages.js'

/** What became of a measurement; `busy` when the probe could not measure it (queue full, shutting down, worker trouble). */
export type ProbeOutcome = MeasuredOutcome | { verdict: 'busy'; why: string }

/** Options of an {@link IntegrationProbe}. */
export interface IntegrationProbeOptions {
  /** Longest an update may take to integrate; longer ones are `too-costly`. */
  maxIntegrationMs: number
  /** Mirrors kept at once; past it the least recently measured is dropped. Default 16. */
  maxMirrors?: number
  /** Measurements waiting for the worker; more are answered `busy`. Default 64. */
  maxQueued?: number
  /** A mirror not measured against for this long is dropped and its document no longer forwarded. Default 5 minutes. */
  mirrorIdleMs?: number
  /** How long the worker may take to catch up with a document before measuring; then it is restarted. Default 10 s. */
  catchUpTimeoutMs?: number
  /** Where the main thread's encoding of documents for the worker is charged. */
  encodeBudget?: EncodeBudget
  logger?: Logger
}

/**
 * Encodes the document elsewhere than on the main thread (from its mirror, see `document-mirrors.ts`):
 * all of it (`stateVector` null) or what a peer at `stateVector` lacks; `null` when it cannot.
 */
export type OffThreadEncoder = (stateVector: Uint8Array | null) => Promise<Uint8Array | null>

interface Job {
  id: number
  key: string
  doc: Y.Doc
  update: Uint8Array
  encodeOffThread: OffThreadEncoder | undefined
  resolve: (outcome: ProbeOutcome) => void
  /** When the worker started timing, `performance.now()`. */
  startedAt: number | null
}

interface Mirror {
  /** The document's state vector when the mirror was last brought up to date. */
  stateVector: Uint8Array
  lastUsed: number
}

const WORKER_MODULE = siblingModule(import.meta.url, 'integration-worker')

/** One worker and the mirrors in it. One per server. */
export class IntegrationProbe {
  readonly #maxMs: number
  readonly #maxMirrors: number
  readonly #maxQueued: number
  readonly #mirrorIdleMs: number
  readonly #catchUpTimeoutMs: number
  readonly #encodeBudget: EncodeBudget | undefined
  readonly #logger: Logger | undefined
  #worker: Worker | null = null
  /** In least-recently-measured order. */
  readonly #mirrors = new Map<string, Mirror>()
  readonly #queue: Job[] = []
  #current: Job | null = null
  #timer: NodeJS.Timeout | null = null
  #sweeper: NodeJS.Timeout | null = null
  #nextId = 1
  #closed = false
  /** Updates measured; of them, found too costly; workers terminated because a measurement or catch-up overran. */
  readonly counters = { measured: 0, tooCostly: 0, watchdogKills: 0 }

  constructor(options: IntegrationProbeOptions) {
    this.#maxMs = options.maxIntegrationMs
    this.#maxMirrors = options.maxMirrors ?? 16
    this.#maxQueued = options.maxQueued ?? 64
    this.#mirrorIdleMs = options.mirrorIdleMs ?? 5 * 60_000
    this.#catchUpTimeoutMs = options.catchUpTimeoutMs ?? 10_000
    this.#encodeBudget = options.encodeBudget
    this.#logger = options.logger
  }

  /**
   * How long the worker may spend integrating one update before it is terminated. Generous, since the
   * worker shares the machine's cores: only the room waiting for the answer waits this long, and the
   * worker's own timing still refuses whatever took over `maxIntegrationMs`.
   */
  get #watchdogMs(): number {
    return Math.max(250, 5 * this.#maxMs)
  }

  /** Longest an update may take to integrate. */
  get maxIntegrationMs(): number {
    return this.#maxMs
  }

  /** Whether the worker thread exists (it starts with the first measurement and stops when idle). */
  get workerRunning(): boolean {
    return this.#worker !== null
  }

  /** Documents currently mirrored. */
  get mirrorCount(): number {
    return this.#mirrors.size
  }

  /**
   * Time integrating `update` into `doc` (known as `key`, unique per live document), as of now. The
   * caller must not change `doc` until the promise resolves, or the answer is about another document.
   * With `encodeOffThread`, the mirror is brought up to date from what it encodes instead of from an
   * encoding on the main thread (for a large document, that encoding alone could hold the loop for
   * tens of milliseconds). Never rejects.
   */
  measure(key: string, doc: Y.Doc, update: Uint8Array, encodeOffThread?: OffThreadEncoder): Promise<ProbeOutcome> {
    if (this.#closed) return Promise.resolve({ verdict: 'busy', why: 'the server is shutting down' })
    if (this.#queue.length >= this.#maxQueued)
      return Promise.resolve({ verdict: 'busy', why: `${this.#maxQueued} costly updates are already waiting to be measured` })
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, key, doc, update, encodeOffThread, resolve, startedAt: null })
      this.#pump()
    })
  }

  /** Drop the mirror of `key` (its document is gone, or stopped matching it). */
  forget(key: string): void {
    if (!this.#mirrors.delete(key)) return
    this.#post({ type: 'forget', key })
  }

  /** Answer everything waiting `busy` and stop the worker. */
  async close(): Promise<void> {
    this.#closed = true
    for (const job of this.#queue.splice(0)) job.resolve({ verdict: 'busy', why: 'the server is shutting down' })
    if (this.#current) this.#finish({ verdict: 'busy', why: 'the server is shutting down' })
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = null
    await this.#stopWorker()
  }

  #pump(): void {
    if (this.#current || this.#closed) return
    const job = this.#queue.shift()
    if (!job) return
    if (job.doc.isDestroyed) {
      job.resolve({ verdict: 'busy', why: 'the document was closed' })
      this.#pump()
      return
    }
    this.#current = job
    this.#arm(this.#catchUpTimeoutMs)
    if (!job.encodeOffThread) {
      this.#send(job, () => this.#catchUp(job.key, job.doc))
      return
    }
    const mirror = this.#mirrors.get(job.key)
    void job.encodeOffThread(mirror?.stateVector ?? null).then(
      (base) => {
        if (this.#current !== job) return
        if (job.doc.isDestroyed) {
          this.#finish({ verdict: 'busy', why: 'the document was closed' })
          return
        }
        this.#send(job, () => (base === null ? this.#catchUp(job.key, job.doc) : this.#caughtUp(job.key, job.doc, base, !mirror)))
      },
      () => {
        if (this.#current === job) this.#send(job, () => this.#catchUp(job.key, job.doc))
      },
    )
  }

  /** Post `job` to the worker, with what brings its mirror up to date. */
  #send(job: Job, catchUp: () => { base: Uint8Array; full: boolean }): void {
    try {
      const store = job.doc.store
      const pending = [store.pendingStructs?.update, store.pendingDs ?? undefined].filter((part): part is Uint8Array => part !== undefined)
      this.#post({ type: 'measure', id: job.id, key: job.key, ...catchUp(), pending, update: job.update, maxMs: this.#maxMs })
    } catch (error) {
      // Starting or messaging the worker failed (resources, a broken install): answer, never hang.
      this.#logger?.error({ err: error }, 'the integration probe could not reach its worker')
      this.#restart({ verdict: 'busy', why: 'the measuring worker could not be started' })
    }
  }

  /** What brings the mirror of `key` up to `doc`: a diff since the last measurement, or the full state. */
  #catchUp(key: string, doc: Y.Doc): { base: Uint8Array; full: boolean } {
    const started = performance.now()
    const mirror = this.#mirrors.get(key)
    const base = mirror ? Y.encodeStateAsUpdate(doc, mirror.stateVector) : Y.encodeStateAsUpdate(doc)
    this.#encodeBudget?.charge(performance.now() - started)
    return this.#caughtUp(key, doc, base, !mirror)
  }

  /** Note that `base` brings the mirror of `key` up to `doc` as it is now (`full`: starts it afresh). */
  #caughtUp(key: string, doc: Y.Doc, base: Uint8Array, full: boolean): { base: Uint8Array; full: boolean } {
    this.#mirrors.delete(key)
    if (full) {
      for (const [other] of this.#mirrors) {
        if (this.#mirrors.size < this.#maxMirrors) break
        this.forget(other)
      }
    }
    this.#mirrors.set(key, { stateVector: Y.encodeStateVector(doc), lastUsed: performance.now() })
    this.#sweeper ??= setInterval(() => this.#sweepIdle(), Math.max(1000, this.#mirrorIdleMs / 2)).unref()
    return { base, full }
  }

  #sweepIdle(): void {
    const oldest = performance.now() - this.#mirrorIdleMs
    for (const [key, mirror] of this.#mirrors) {
      if (mirror.lastUsed < oldest && this.#current?.key !== key) this.forget(key)
    }
    if (this.#mirrors.size === 0 && this.#sweeper) {
      clearInterval(this.#sweeper)
      this.#sweeper = null
      // Nothing left to measure against: give the worker's memory back until the next costly update.
      if (!this.#current && this.#queue.length === 0) void this.#stopWorker()
    }
  }

  #post(request: ProbeRequest): void {
    if (request.type === 'forget' && !this.#worker) return
    this.#workerNow().postMessage(request)
  }

  #workerNow(): Worker {
    if (this.#worker) return this.#worker
    this.#worker = startWatchedWorker<ProbeReply>(WORKER_MODULE, (worker) => this.#worker === worker, {
      message: (reply) => this.#onReply(reply),
      ended: (how, detail) => {
        this.#logger?.error(detail, `the integration probe worker ${how}; restarting it`)
        this.#restart({ verdict: 'busy', why: `the measuring worker ${how}` })
      },
    })
    return this.#worker
  }

  #onReply(reply: ProbeReply): void {
    const job = this.#current
    if (!job || reply.id !== job.id) return
    if (reply.type === 'started') {
      job.startedAt = performance.now()
      this.#arm(this.#watchdogMs)
      return
    }
    // The worker dropped its mirror for anything but a fit; stop forwarding to it.
    if (reply.outcome.verdict !== 'fits') this.forget(job.key)
    this.#finish(reply.outcome)
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.#overrun(), ms)
  }

  #overrun(): void {
    const job = this.#current
    if (!job) return
    this.counters.watchdogKills++
    if (job.startedAt === null) {
      this.#logger?.warn({ key: job.key }, 'the integration probe worker took too long to catch up with a document; restarting it')
      this.#restart({ verdict: 'busy', why: 'the measuring worker could not catch up with the document in time' })
      return
    }
    this.#restart({ verdict: 'too-costly', ms: performance.now() - job.startedAt })
  }

  /** Terminate the worker (and so every mirror); the current job ends with `outcome`. */
  #restart(outcome: ProbeOutcome): void {
    void this.#stopWorker()
    if (this.#current) this.#finish(outcome)
  }

  async #stopWorker(): Promise<void> {
    this.#mirrors.clear()
    const worker = this.#worker
    this.#worker = null
    await worker
      ?.terminate()
      .catch((error: unknown) => this.#logger?.warn({ err: error }, 'terminating the integration probe worker failed'))
  }

  #finish(outcome: ProbeOutcome): void {
    if (outcome.verdict !== 'busy' && outcome.verdict !== 'no-mirror') this.counters.measured++
    if (outcome.verdict === 'too-costly') this.counters.tooCostly++
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const job = this.#current
    this.#current = null
    job?.resolve(outcome)
    this.#pump()
  }
}
