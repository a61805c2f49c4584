/**
 * Runs imports (`POST /api/rooms` with `content`) in a worker thread of their own, one at a time:
 * reading a large Markdown file or HTML-made JSON into the schema and writing it into Yjs is
 * linear but long, and the event loop serves everyone's edits. Each import gets a fresh worker with
 * a heap cap and a time limit, so a hostile document can cost a failed import and nothing else;
 * at most `maxWaiting` wait for their turn, past that the server is busy.
 */
import type { ImportContent } from '@tandem/protocol'

import { jsonDepthProblem } from '../notifications/json-depth.js'
import { siblingModule, startModuleWorker } from '../threads/module-worker.js'
import { ImportError, MAX_IMPORT_DEPTH } from './import-error.js'
import type { ImportReply } from './import-worker.js'

/** Thrown by {@link DocumentImporter.import} when `maxWaiting` imports already wait. */
export class ImportBusyError extends Error {
  override name = 'ImportBusyError'
}

/** Options of {@link DocumentImporter}. */
export interface DocumentImporterOptions {
  /** Imports that may wait while one runs. Default 4. */
  maxWaiting?: number
  /** Longest one import may run before its worker is stopped. Default 30 s. */
  timeoutMs?: number
  /** Heap of one import's worker, MiB. Default 512. */
  maxHeapMb?: number
}

/** One import at a time, each in its own worker thread. */
export class DocumentImporter {
  readonly #maxWaiting: number
  readonly #timeoutMs: number
  readonly #maxHeapMb: number
  #tail: Promise<unknown> = Promise.resolve()
  /** Imports running or waiting. */
  #pending = 0

  constructor(options: DocumentImporterOptions = {}) {
    this.#maxWaiting = options.maxWaiting ?? 4
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#maxHeapMb = options.maxHeapMb ?? 512
  }

  /**
   * The update that creates a document holding `content`.
   * @throws {ImportError} when the content cannot be a document (too deep, too many nodes, too
   * costly to read).
   * @throws {ImportBusyError} when too many imports wait already.
   */
  import(content: ImportContent): Promise<Uint8Array> {
    // Checked here, before the content is copied to a worker: copying JSON nested deep enough
    // overflows the stack, which would be a 500 instead of the 400 it deserves.
    if (content.format === 'json') {
      const problem = jsonDepthProblem(content.document, MAX_IMPORT_DEPTH)
      if (problem) return Promise.reject(new ImportError(`the document is ${problem}`))
    }
    // One runs, `maxWaiting` wait.
    if (this.#pending > this.#maxWaiting) {
      return Promise.reject(new ImportBusyError('the server is importing other documents; retry shortly'))
    }
    this.#pending++
    const turn = this.#tail.then(() => this.#run(content)).finally(() => this.#pending--)
    this.#tail = turn.catch(() => {})
    return turn
  }

  #run(content: ImportContent): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const worker = startModuleWorker(siblingModule(import.meta.url, 'import-worker'), {
        workerData: { content },
        resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
      })
      let settled = false
      const settle = (outcome: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        void worker.terminate()
        outcome()
      }
      const timer = setTimeout(
        () => settle(() => reject(new ImportError(`reading the document took longer than ${this.#timeoutMs / 1000} s`))),
        this.#timeoutMs,
      )
      worker.on('message', (reply: ImportReply) => {
        if ('update' in reply) settle(() => resolve(reply.update))
        else if ('refused' in reply) settle(() => reject(new ImportError(reply.refused)))
        else settle(() => reject(new Error(`import failed: ${reply.failed}`)))
      })
      worker.on('error', (error) => {
        // Out of heap is the document's doing: refused like any other document too costly to read.
        const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        settle(() => reject(outOfMemory ? new ImportError('the document needs too much memory to read') : error))
      })
      worker.on('exit', (code) => settle(() => reject(new Error(`the import worker stopped (exit code ${code})`))))
    })
  }
}
