/**
 * The ready file (`READY_FILE`): one JSON object saying where the server listens, written once it does,
 * so that a supervisor, a test or a benchmark waits for a file instead of reading log lines.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs'

/** What the ready file holds; `@tandem/server-process` reads it. */
interface ReadyInfo {
  /** `http://host:port`, as the start-up log line says it. */
  url: string
  /** The port listened on (the one picked, when `PORT=0`). */
  port: number
  pid: number
  /** `HOST` as configured. */
  host: string
}

/**
 * Write `info` to `file` so that a reader sees either no file (or the previous one) or the whole new
 * object, never a part: it is written to a temporary file beside `file` and renamed over it, and a
 * rename within one directory is atomic.
 * @throws the file system's error (missing directory, no permission); no temporary file is left.
 */
export function writeReadyFile(file: string, info: ReadyInfo): void {
  const temporary = `${file}.${info.pid}.tmp`
  try {
    writeFileSync(temporary, `${JSON.stringify({ url: info.url, port: info.port, pid: info.pid, host: info.host })}\n`)
    renameSync(temporary, file)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}
