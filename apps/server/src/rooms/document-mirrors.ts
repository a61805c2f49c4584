/**
 * Encodes large documents in a worker thread, from exact mirrors of them.
 *
 * Encoding a whole document is one synchronous Yjs call that grows with the document: ~3 ms for the
 * automerge-paper trace's 11,000 structs, ~12 ms for 40,000, over 50 ms past ~170,000 on this
 * machine. A sync answer to a fresh client is such an encoding, and so is every compaction snapshot;
 * for a large document each one would hold the event loop for everyone. So a room whose document
 * has grown large has it mirrored here: the mirror is seeded once (from the stored bytes at load, or
 * from one encoding when the document grows past the threshold), then sent every change the room's
 * document emits, in order. An encoding asked for after a change reflects it; the main thread only
 * copies change bytes to the worker and receives the encoded bytes back.
 *
 * The worker is never cut off mid-task (encoding is bounded by the document's size, unlike the
 * integration probe's measurements). If it fails anyway, every mirror is gone: pending encodings
 * answer `null` and rooms fall back to encoding on the main thread until they seed a mirror again.
 */
import type { Worker } from 'node:worker_threads'
import type { Logger } from '../logger.js'
import { siblingModule, startWatchedWorker } from '../threads/module-worker.js'
import type { EncodeAs, MirrorReply, MirrorRequest } from './mirror-messages.js'

/**
 * Structs from which a document counts as large and is mirrored (and loaded through the worker):
 * one encoding of it takes ~5 ms here, one load ~12 ms.
 */
export const DEFAULT_MIRROR_STRUCTS = 16_384

/** Options of {@link DocumentMirrors}. */
export interface DocumentMirrorsOptions {
  /** Documents mirrored at once; past it the least recently used mirror is dropped. Default 32. */
  maxMirrors?: number
  /** Encodings waiting for the worker; more are answered `null`. Default 256. */
  maxQueued?: number
  logger?: Logger
}

/** A finished encoding: the update (or frame) and how long the worker took. */
export interface MirrorEncoding {
  update: Uint8Array
  ms: number
}

/** A document the worker loaded: its chunks, in order, and the values in its array contents. */
export interface MirrorLoad {
  chunks: Uint8Array[]
  arrayValues: number
}

/**
 * What {@link DocumentMirrors.encode} answers: the encoding; `busy` when too many are waiting (ask
 * again later); `null` when the document is not mirrored or the worker failed (encode it yourself).
 */
export type MirrorResult = MirrorEncoding | 'busy' | null

const WORKER_MODULE = siblingModule(import.meta.url, 'mirror-worker')

/** One worker and the mirrors in it. One per server. */
export class DocumentMirrors {
  readonly #maxMirrors: number
  readonly #maxQueued: number
  readonly #logger: Logger | undefined
  #worker: Worker | null = null
  /** Mirrored keys, least recently used first. */
  readonly #keys = new Set<string>()
  /** Encodings and loads waiting for the worker's answer, by request id. */
  readonly #waiting = new Map<number, (answer: MirrorEncoding | MirrorLoad | null) => void>()
  /** Changes not yet posted: sent together once per turn, and always before an encoding request. */
  #changes: Array<[string, Uint8Array]> = []
  #flushScheduled = false
  #nextId = 1
  #closed = false
  /** Mirrors seeded; encodings answered; mirrors lost to a failed change or worker. */
  readonly counters = { seeded: 0, encoded: 0, lost: 0 }

  constructor(options: DocumentMirrorsOptions = {}) {
    this.#maxMirrors = options.maxMirrors ?? 32
    this.#maxQueued = options.maxQueued ?? 256
    this.#logger = options.logger
  }

  /** Whether `key` is mirrored (as far as the main thread knows: a mirror lost in the worker is noticed at its next encoding). */
  has(key: string): boolean {
    return this.#keys.has(key)
  }

  /** Whether the worker thread exists (it starts with the first mirror and stops when the last is forgotten). */
  get workerRunning(): boolean {
    return this.#worker !== null
  }

  /** Documents mirrored. */
  get size(): number {
    return this.#keys.size
  }

  /**
   * Mirror the document `key` as `parts` (updates applied in order; they become the worker's, do
   * not change them). From now on every change of the document must be passed to {@link change}.
   * Returns `false` when the worker cannot be reached.
   */
  track(key: string, parts: Uint8Array[]): boolean {
    return this.#start(key, { type: 'track', key, parts })
  }

  /** Post `request`, which starts the mirror of `key`, making room for it. */
  #start(key: string, request: Extract<MirrorRequest, { type: 'track' | 'load' }>): boolean {
    if (this.#closed) return false
    this.#keys.delete(key)
    for (const oldest of this.#keys) {
      if (this.#keys.size < this.#maxMirrors) break
      this.forget(oldest)
    }
    // Changes already queued are in `parts` too; sent first, they would land on the old mirror or none.
    this.#flushChanges()
    if (!this.#post(request)) return false
    this.#keys.add(key)
    this.counters.seeded++
    return true
  }

  /**
   * Mirror the stored document `key` from `parts`, as {@link track} does, and get it back cut into
   * updates of at most `chunkStructs` structs that apply one by one without anything pending (see
   * `document-chunks.ts`): loading those a few per turn keeps a large document's load from holding
   * the event loop. `null` when the worker cannot load it (the caller loads it as it always did).
   */
  load(key: string, parts: Uint8Array[], chunkStructs: number): Promise<MirrorLoad | null> {
    if (this.#waiting.size >= this.#maxQueued) return Promise.resolve(null)
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve as (answer: MirrorEncoding | MirrorLoad | null) => void)
      if (!this.#start(key, { type: 'load', id, key, parts, chunkStructs })) this.#settle(id, null)
    })
  }

  /** One change of the mirrored document `key` (an update it emitted), in order. Ignored if not mirrored. */
  change(key: string, update: Uint8Array): void {
    if (!this.#keys.has(key)) return
    this.#changes.push([key, update])
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => this.#flushChanges())
  }

  /**
   * The mirror of `key` encoded as one update: the whole document (`stateVector` null) or what a peer
   * at `stateVector` lacks, as of every change passed so far (see {@link MirrorResult}), as a bare
   * update or framed as a sync step 2. Never rejects.
   */
  encode(key: string, stateVector: Uint8Array | null, as: EncodeAs = 'update'): Promise<MirrorResult> {
    if (!this.#keys.has(key)) return Promise.resolve(null)
    if (this.#waiting.size >= this.#maxQueued) return Promise.resolve('busy')
    // Most recently used last: an encoding keeps its mirror from being the next dropped.
    this.#keys.delete(key)
    this.#keys.add(key)
    const id = this.#nextId++
    this.#flushChanges()
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve as (answer: MirrorEncoding | MirrorLoad | null) => void)
      if (!this.#post({ type: 'encode', id, key, stateVector, as })) this.#settle(id, null)
    })
  }

  /** Stop mirroring `key`. */
  forget(key: string): void {
    if (!this.#keys.delete(key)) return
    this.#flushChanges()
    if (!this.#worker) return
    if (this.#keys.size > 0 || this.#waiting.size > 0) this.#post({ type: 'forget', key })
    // Nothing left to mirror: give the worker's memory back until a document grows large again.
    else void this.#stop()
  }

  /** Answer every waiting encoding `null` and stop the worker. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#stop()
  }

  #flushChanges(): void {
    this.#flushScheduled = false
    if (this.#changes.length === 0) return
    const changes = this.#changes
    this.#changes = []
    this.#post({ type: 'changes', changes })
  }

  #post(request: MirrorRequest): boolean {
    try {
      this.#workerNow().postMessage(request)
      return true
    } catch (error) {
      this.#logger?.error({ err: error }, 'the document mirror worker could not be reached; encoding on the main thread')
      void this.#stop(true)
      return false
    }
  }

  #workerNow(): Worker {
    if (this.#worker) return this.#worker
    if (this.#closed) throw new Error('document mirrors are closed')
    this.#worker = startWatchedWorker<MirrorReply>(WORKER_MODULE, (worker) => this.#worker === worker, {
      message: (reply) => this.#onReply(reply),
      ended: (how, detail) => {
        this.#logger?.error(detail, `the document mirror worker ${how}; its documents are encoded on the main thread until mirrored again`)
        void this.#stop(true)
      },
    })
    return this.#worker
  }

  #onReply(reply: MirrorReply): void {
    switch (reply.type) {
      case 'encoded':
        this.counters.encoded++
        this.#settle(reply.id, { update: reply.update, ms: reply.ms })
        return
      case 'loaded':
        this.#settle(reply.id, { chunks: reply.chunks, arrayValues: reply.arrayValues })
        return
      case 'missing':
        this.#keys.delete(reply.key)
        this.#settle(reply.id, null)
        return
      case 'lost':
        this.counters.lost++
        this.#keys.delete(reply.key)
        this.#logger?.warn({ key: reply.key, message: reply.message }, 'a document mirror failed to apply a change and was dropped')
        return
    }
  }

  #settle(id: number, answer: MirrorEncoding | MirrorLoad | null): void {
    const resolve = this.#waiting.get(id)
    this.#waiting.delete(id)
    resolve?.(answer)
  }

  /** Terminate the worker: every mirror is gone (`failed`: lost), every waiting encoding answers `null`. */
  async #stop(failed = false): Promise<void> {
    const worker = this.#worker
    this.#worker = null
    if (failed) this.counters.lost += this.#keys.size
    this.#keys.clear()
    this.#changes = []
    for (const id of [...this.#waiting.keys()]) this.#settle(id, null)
    await worker?.terminate().catch((error: unknown) => this.#logger?.warn({ err: error }, 'terminating the document mirror worker failed'))
  }
}
