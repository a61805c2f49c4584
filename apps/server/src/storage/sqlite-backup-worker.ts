/**
 * The worker of {@link SqliteBackup}: one `VACUUM INTO` on a read-only connection of its own, then it
 * says how it went and ends.
 */
import { parentPort, workerData } from 'node:worker_threads'

import { type BackupWorkerData, type BackupWorkerReply, vacuumInto } from './sqlite-backup.js'

const { source, target } = workerData as BackupWorkerData
let reply: BackupWorkerReply
try {
  vacuumInto(source, target)
  reply = { type: 'done' }
} catch (error) {
  reply = { type: 'failed', message: error instanceof Error ? error.message : String(error) }
}
parentPort!.postMessage(reply)
