/**
 * Consistent copies of the SQLite database while the server keeps writing to it. `VACUUM INTO` on a
 * connection of its own reads one snapshot of the database (in WAL mode a reader never blocks the
 * writer, nor the writer it) and writes it, compacted, to a new file. It runs in a worker thread: a
 * copy of a large database takes seconds of I/O that must not hold the event loop.
 *
 * The copy is made next to the database (same file system, so there is room for what the database
 * needs anyway and nothing crosses devices) under a name no other copy can take, streamed to whoever
 * asked, and removed once read or abandoned. One at a time: each needs as much disk as the database.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, readdirSync, rmSync } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'

import BetterSqlite3 from 'better-sqlite3'

import { siblingModule, startModuleWorker } from '../threads/module-worker.js'

/** What the backup worker is started with. */
export interface BackupWorkerData {
  source: string
  target: string
}

/** What the backup worker answers before it ends. */
export type BackupWorkerReply = { type: 'done' } | { type: 'failed'; message: string }

/** Thrown by {@link SqliteBackup.snapshot} while another backup is being made or read. */
export class BackupInProgressError extends Error {
  override name = 'BackupInProgressError'
}

/**
 * Write a consistent copy of the database `source` to the new file `target` (which must not exist).
 * Opens `source` read-only: safe beside a server writing to it, and it never changes the database.
 * Blocks for as long as the copy takes: call it from a worker thread or a command-line tool.
 */
export function vacuumInto(source: string, target: string): void {
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true })
  try {
    // A checkpoint restarting the log may hold the read lock for a moment.
    db.pragma('busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(target)
  } finally {
    db.close()
  }
}

/** A copy of the database made by {@link SqliteBackup.snapshot}, to read once. */
export interface BackupFile {
  /** Its size in bytes. */
  readonly bytes: number
  /** How long the copy took, in milliseconds. */
  readonly ms: number
  /** Its bytes. The file is removed once they are read, or the reader cancels (a client that went away). */
  stream(): ReadableStream<Uint8Array>
  /** Remove it unread. Idempotent. */
  discard(): Promise<void>
}

/** Makes {@link BackupFile}s of the database file `filename`, one at a time. */
export class SqliteBackup {
  readonly #filename: string
  #busy = false

  constructor(filename: string) {
    this.#filename = filename
  }

  /**
   * Remove copies a crash left beside the database (a copy in progress or unread when the process
   * died); call once at start, before any backup. Returns the names removed; one that cannot be
   * removed stays (it takes disk space, nothing else).
   */
  removeLeftovers(): string[] {
    const directory = dirname(this.#filename)
    const prefix = this.#tempPrefix()
    let names: string[]
    try {
      names = readdirSync(directory).filter((name) => name.startsWith(prefix))
    } catch {
      return []
    }
    return names.filter((name) => {
      try {
        rmSync(join(directory, name), { force: true })
        return true
      } catch {
        return false
      }
    })
  }

  /**
   * A consistent copy of the database as it is now; every transaction committed before the call is in it.
   * @throws {BackupInProgressError} while another copy is being made or read.
   */
  async snapshot(): Promise<BackupFile> {
    if (this.#busy) throw new BackupInProgressError('a backup is being made or downloaded; try again once it is done')
    this.#busy = true
    const target = join(dirname(this.#filename), `${this.#tempPrefix()}${randomUUID()}.tmp`)
    try {
      const started = performance.now()
      await copyInWorker({ source: this.#filename, target })
      const { size } = await stat(target)
      return new TemporaryCopy(target, size, performance.now() - started, () => (this.#busy = false))
    } catch (error) {
      await rm(target, { force: true })
      this.#busy = false
      throw error
    }
  }

  /** The start of every copy's name: `tandem.db.backup-`. */
  #tempPrefix(): string {
    return `${basename(this.#filename)}.backup-`
  }
}

/** Run {@link vacuumInto} in a worker thread of its own, which ends with the copy. */
function copyInWorker(data: BackupWorkerData): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(siblingModule(import.meta.url, 'sqlite-backup-worker'), { workerData: data })
    let reply: BackupWorkerReply | null = null
    worker.on('message', (message: BackupWorkerReply) => (reply = message))
    worker.on('error', reject)
    worker.on('exit', (code) => {
      const answer = reply
      if (answer?.type === 'done') resolve()
      else reject(new Error(answer?.type === 'failed' ? answer.message : `the backup worker stopped (exit code ${code})`))
    })
  })
}

/** A copy on disk that removes itself once read or discarded, then frees the slot it held. */
class TemporaryCopy implements BackupFile {
  readonly #path: string
  readonly #release: () => void
  #removed: Promise<void> | null = null

  constructor(
    path: string,
    readonly bytes: number,
    readonly ms: number,
    release: () => void,
  ) {
    this.#path = path
    this.#release = release
  }

  stream(): ReadableStream<Uint8Array> {
    const file = createReadStream(this.#path)
    // 'close' follows the end of the file and a destroy alike; a cancelled web stream destroys it.
    file.once('close', () => void this.discard())
    return Readable.toWeb(file) as ReadableStream<Uint8Array>
  }

  discard(): Promise<void> {
    this.#removed ??= rm(this.#path, { force: true }).finally(this.#release)
    return this.#removed
  }
}
