/**
 * The worker of {@link WalFlusher}: its own connection to the database file, which every interval
 * fsyncs the write-ahead log (everything committed so far survives a power cut from then on) and
 * copies it into the database with a passive checkpoint (which never waits for the writer). The main
 * thread's commits only write() their pages, so no fsync ever holds its event loop.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'

import BetterSqlite3 from 'better-sqlite3'

import type { FlushReply, FlushRequest, FlushWorkerData } from './wal-flush-messages.js'

const { filename, intervalMs } = workerData as FlushWorkerData
const db = new BetterSqlite3(filename)
db.pragma('busy_timeout = 1000')
// A checkpoint syncs the log before copying it and the database after: FULL is how this connection asks for both.
db.pragma('synchronous = FULL')
// The main connection opened the database in WAL mode, so the log file exists while it is open.
const wal = openSync(`${filename}-wal`, 'r')

function flush(): FlushReply {
  const started = performance.now()
  fsyncSync(wal)
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[]
  return {
    type: 'flushed',
    at: Date.now(),
    ms: performance.now() - started,
    logFrames: result?.log ?? 0,
    copiedFrames: result?.checkpointed ?? 0,
  }
}

const timer = setInterval(() => parentPort!.postMessage(flush()), intervalMs)

parentPort!.on('message', (request: FlushRequest) => {
  if (request.type !== 'close') return
  clearInterval(timer)
  const last = flush()
  closeSync(wal)
  db.close()
  parentPort!.postMessage({ ...last, type: 'closed' } satisfies FlushReply)
})
