/** The messages between {@link WalFlusher} and its worker. */

/** What the worker is started with. */
export interface FlushWorkerData {
  /** The database file; its log is `<filename>-wal`. */
  filename: string
  intervalMs: number
}

/** From the main thread: flush once more, close the connection, and say so. */
export type FlushRequest = { type: 'close' }

/** From the worker: after each flush (`flushed`), after the last one before it closes (`closed`). */
export interface FlushDone {
  type: 'flushed' | 'closed'
  /** When the flush ended, ms since the epoch. */
  at: number
  /** How long the fsync and the checkpoint took. */
  ms: number
  /** Frames in the log, and how many of them are now copied into the database. */
  logFrames: number
  copiedFrames: number
}

/** From the worker, just before it throws: a flush failed; `io` when the disk refused a write or sync. */
interface FlushFailed {
  type: 'failed'
  io: boolean
  message: string
}

/** Anything the worker says. */
export type FlushReply = FlushDone | FlushFailed
