/**
 * Encodes large documents in a worker thread, from mirrors of them.
 *
 * Encoding a whole document is one synchronous Yjs call that grows with the document: ~3 ms for the
 * automerge-paper trace's 11,000 structs, ~12 ms for 40,000, over 50 ms past ~170,000 on this
 * machine. A sync answer to a fresh client is such an encoding, and so is every compaction snapshot;
 * for a large document each one would hold the event loop for everyone. So a room whose document
 * has grown large has it mirrored here: the mirror is seeded once (from the stored bytes at load, or
 * from one encoding when the document grows past the threshold), and each encoding first brings it
 * up to date with what the document got since the last one: a diff, whose cost on the main thread is
 * a walk over the document's structs for the delete set (2-10 ms at 400,000 structs), not an
 * encoding of them. Edits themselves cost nothing extra: the worker does not follow every change.
 *
 * The worker is never cut off mid-task (encoding is bounded by the document's size, unlike the
 * integration probe's measurements). If it fails anyway, every mirror is gone: pending encodings
 * answer `null` and rooms fall back to encoding on the main thread until they seed a mirror again.
 */
import type { Worker } from 'node:worker_threads'

import * as Y from 'yjs'

import type { Logger } from '../logger.js'
import { siblingModule, startWatchedWorker } from '../threads/module-worker.js'
import type { EncodeBudget } from './encode-budget.js'
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
  /** Where the main thread's catch-up diffs are charged. */
  encodeBudget?: EncodeBudget
  logger?: Logger
}

/**
 * A mirrored document as its room has it now: `version` changes with every change of `doc` (a
 * deletion changes no state vector), so an unchanged version needs no catch-up.
 */
export interface MirrorSource {
  doc: Y.Doc
  version: number
}

/** What the main thread knows of one mirror: the document's state when it was last brought up to date. */
interface Mirror {
  stateVector: Uint8Array
  /** `null` after a load: the next encoding catches up whatever the version. */
  version: number | null
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
  readonly #encodeBudget: EncodeBudget | undefined
  readonly #logger: Logger | undefined
  #worker: Worker | null = null
  /** Mirrors by key, least recently used first. */
  readonly #mirrors = new Map<string, Mirror>()
  /** Encodings and loads waiting for the worker's answer, by request id. */
  readonly #waiting = new Map<number, (answer: MirrorEncoding | MirrorLoad | null) => void>()
  #nextId = 1
  #closed = false
  /** Mirrors seeded; catch-up diffs sent; encodings answered; mirrors lost to a failed catch-up or worker. */
  readonly counters = { seeded: 0, caughtUp: 0, encoded: 0, lost: 0 }

  constructor(options: DocumentMirrorsOptions = {}) {
    this.#maxMirrors = options.maxMirrors ?? 32
    this.#maxQueued = options.maxQueued ?? 256
    this.#encodeBudget = options.encodeBudget
    this.#logger = options.logger
  }

  /** Whether `key` is mirrored (as far as the main thread knows: a mirror lost in the worker is noticed at its next encoding). */
  has(key: string): boolean {
    return this.#mirrors.has(key)
  }

  /** Whether the worker thread exists (it starts with the first mirror and stops when the last is forgotten). */
  get workerRunning(): boolean {
    return this.#worker !== null
  }

  /** Documents mirrored. */
  get size(): number {
    return this.#mirrors.size
  }

  /**
   * Mirror the document `key`, which `parts` make up as `source` has it now (updates applied in
   * order). They are copied into the message, not moved: a document built from an update keeps views
   * into its bytes (binary content, for one), so the parts it was built from must stay whole here.
   * Returns `false` when the worker cannot be reached.
   */
  track(key: string, parts: Uint8Array[], source: MirrorSource): boolean {
    return this.#start(key, { type: 'track', key, parts }, { stateVector: Y.encodeStateVector(source.doc), version: source.version }, [])
  }

  /** Post `request`, which starts the mirror of `key`, making room for it and moving `transfer` to the worker. */
  #start(key: string, request: Extract<MirrorRequest, { type: 'track' | 'load' }>, mirror: Mirror, transfer: ArrayBuffer[]): boolean {
    if (this.#closed) return false
    this.#mirrors.delete(key)
    for (const [oldest] of this.#mirrors) {
      if (this.#mirrors.size < this.#maxMirrors) break
      this.forget(oldest)
    }
    if (!this.#post(request, transfer)) return false
    this.#mirrors.set(key, mirror)
    this.counters.seeded++
    return true
  }

  /**
   * Mirror the stored document `key` from `parts`, as {@link track} does, and get it back cut into
   * updates of at most `chunkStructs` structs that apply one by one without anything pending (see
   * `document-chunks.ts`): loading those a few per turn keeps a large document's load from holding
   * the event loop. `parts` move to the worker (see {@link movableBuffers}; nothing here is built
   * from them: the document is built from the chunks), so `null`, when the worker cannot load it,
   * means the caller loads it as it always did from a new read.
   */
  load(key: string, parts: Uint8Array[], chunkStructs: number): Promise<MirrorLoad | null> {
    if (this.#waiting.size >= this.#maxQueued) return Promise.resolve(null)
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve as (answer: MirrorEncoding | MirrorLoad | null) => void)
      // Until the worker says what it loaded, the next encoding catches up from nothing known.
      const mirror = { stateVector: new Uint8Array([0]), version: null }
      if (!this.#start(key, { type: 'load', id, key, parts, chunkStructs }, mirror, movableBuffers(parts))) this.#settle(id, null)
    })
  }

  /**
   * The mirror of `key`, first brought up to `source`, encoded as one update: the whole document
   * (`stateVector` null) or what a peer at `stateVector` lacks (see {@link MirrorResult}), as a bare
   * update or framed as a sync step 2. Never rejects.
   */
  encode(key: string, source: MirrorSource, stateVector: Uint8Array | null, as: EncodeAs = 'update'): Promise<MirrorResult> {
    const mirror = this.#mirrors.get(key)
    if (!mirror) return Promise.resolve(null)
    if (this.#waiting.size >= this.#maxQueued) return Promise.resolve('busy')
    // Most recently used last: an encoding keeps its mirror from being the next dropped.
    this.#mirrors.delete(key)
    this.#mirrors.set(key, mirror)
    const base = this.#catchUp(mirror, source)
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve as (answer: MirrorEncoding | MirrorLoad | null) => void)
      if (!this.#post({ type: 'encode', id, key, base, stateVector, as })) this.#settle(id, null)
    })
  }

  /** What `source` got since `mirror` was last brought up to date (and note it is now), or `null` if nothing. */
  #catchUp(mirror: Mirror, source: MirrorSource): Uint8Array | null {
    if (mirror.version === source.version) return null
    const started = performance.now()
    const base = Y.encodeStateAsUpdate(source.doc, mirror.stateVector)
    mirror.stateVector = Y.encodeStateVector(source.doc)
    mirror.version = source.version
    this.counters.caughtUp++
    this.#encodeBudget?.charge(performance.now() - started)
    return base
  }

  /** Stop mirroring `key`. */
  forget(key: string): void {
    if (!this.#mirrors.delete(key)) return
    if (!this.#worker) return
    if (this.#mirrors.size > 0 || this.#waiting.size > 0) this.#post({ type: 'forget', key })
    // Nothing left to mirror: give the worker's memory back until a document grows large again.
    else void this.#stop()
  }

  /** Answer every waiting encoding `null` and stop the worker. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#stop()
  }

  #post(request: MirrorRequest, transfer: ArrayBuffer[] = []): boolean {
    try {
      this.#workerNow().postMessage(request, transfer)
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
      case 'loaded': {
        const mirror = this.#mirrors.get(reply.key)
        if (mirror) mirror.stateVector = reply.stateVector
        this.#settle(reply.id, { chunks: reply.chunks, arrayValues: reply.arrayValues })
        return
      }
      case 'missing':
        this.#mirrors.delete(reply.key)
        this.#settle(reply.id, null)
        return
      case 'lost':
        this.counters.lost++
        this.#mirrors.delete(reply.key)
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
    if (failed) this.counters.lost += this.#mirrors.size
    this.#mirrors.clear()
    for (const id of [...this.#waiting.keys()]) this.#settle(id, null)
    await worker?.terminate().catch((error: unknown) => this.#logger?.warn({ err: error }, 'terminating the document mirror worker failed'))
  }
}

/**
 * The buffers of `parts` that can move to the worker rather than be copied into the message: those
 * each part has to itself. A view into a larger buffer (Node's pool for small Buffers) is copied, as
 * moving it would empty its neighbours too. Moved buffers read as empty here afterwards.
 */
export function movableBuffers(parts: readonly Uint8Array[]): ArrayBuffer[] {
  const movable = new Set<ArrayBuffer>()
  for (const part of parts) {
    const { buffer } = part
    if (buffer instanceof ArrayBuffer && part.byteOffset === 0 && part.byteLength === buffer.byteLength && part.byteLength > 0)
      movable.add(buffer)
  }
  return [...movable]
}
