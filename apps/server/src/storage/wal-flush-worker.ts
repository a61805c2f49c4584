/**
 * The worker of {@link WalFlusher}: its own connection to the database file, which at start and then
 * every interval (for as long as the server writes) fsyncs the write-ahead log (everything committed so far survives a power cut from then on) and
 * copies it into the database with a passive checkpoint (which never waits for the writer). The main
 * thread's commits only write() their pages; it fsyncs only the log's header when the log wraps.
 *
 * A passive checkpoint never restarts the log: the writer does, at its next commit, once every frame
 * is copied. Under a steady stream of commits one usually lands during the checkpoint, so past
 * {@link RESTART_FRAMES} the worker asks for a RESTART checkpoint, which waits for the writer and
 * lets the log start over (the main thread's next commit may wait for it, rarely and briefly).
 *
 * An I/O error of fsync is reported as `failed` with `io: true`: the kernel may have dropped the
 * pages it could not write, so a retry that succeeds would prove nothing.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'

import BetterSqlite3 from 'better-sqlite3'

import type { FlushReply, FlushRequest, FlushWorkerData } from './wal-flush-messages.js'

/** Frames in the log (4 KiB pages: 16 MiB) past which the log is made to start over. */
const RESTART_FRAMES = 4096

const { filename, intervalMs } = workerData as FlushWorkerData
const db = new BetterSqlite3(filename)
db.pragma('busy_timeout = 1000')
// A checkpoint syncs the log before copying it and the database after: FULL is how this connection asks for both.
db.pragma('synchronous = FULL')
// The main connection opened the database in WAL mode, so the log file exists while it is open.
const wal = openSync(`${filename}-wal`, 'r')

type Checkpoint = { busy: number; log: number; checkpointed: number }

function flush(type: 'flushed' | 'closed'): FlushReply {
  const started = performance.now()
  fsyncSync(wal)
  let [result] = db.pragma('wal_checkpoint(PASSIVE)') as Checkpoint[]
  if ((result?.log ?? 0) > RESTART_FRAMES) [result] = db.pragma('wal_checkpoint(RESTART)') as Checkpoint[]
  return { type, at: Date.now(), ms: performance.now() - started, logFrames: result?.log ?? 0, copiedFrames: result?.checkpointed ?? 0 }
}

function flushOrReport(type: 'flushed' | 'closed'): FlushReply | null {
  try {
    return flush(type)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    parentPort!.postMessage({
      type: 'failed',
      io: code === 'EIO' || code === 'ENOSPC' || code === 'EROFS',
      message: String(error),
    } satisfies FlushReply)
    throw error
  }
}

function flushAndReport(): void {
  const reply = flushOrReport('flushed')
  if (reply) parentPort!.postMessage(reply)
}

// Woken because something was committed: flush it now, then every interval.
flushAndReport()
const timer = setInterval(flushAndReport, intervalMs)

parentPort!.on('message', (request: FlushRequest) => {
  if (request.type !== 'close') return
  clearInterval(timer)
  const last = flushOrReport('closed')
  closeSync(wal)
  db.close()
  parentPort!.postMessage(last)
})
