/** The messages between {@link WalFlusher} and its worker. */

/** What the worker is started with. */
export interface FlushWorkerData {
  /** The database file; its log is `<filename>-wal`. */
  filename: string
  intervalMs: number
}

/** From the main thread: flush once more, close the connection, and say so. */
export type FlushRequest = { type: 'close' }

/** From the worker: after each flush (`flushed`), and after the last one before it closes (`closed`). */
export interface FlushReply {
  type: 'flushed' | 'closed'
  /** When the flush ended, ms since the epoch. */
  at: number
  /** How long the fsync and the checkpoint took. */
  ms: number
  /** Frames in the log, and how many of them are now copied into the database. */
  logFrames: number
  copiedFrames: number
}
