/**
 * The built Tandem server as a child process, so benchmarks measure what users run (`node
 * apps/server/dist/main.js`), through its real sockets, with its own event loop and memory.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import { withDeadline } from './deadline.js'
import { readProcessCpuMs } from './process-cpu.js'
import { type ProcessMemory, readProcessMemory } from './process-memory.js'

/** SQLite durability mode the benchmark servers run with (`SQLITE_SYNCHRONOUS`). */
export type SynchronousMode = 'full' | 'normal'

/** The server entry point; `npm run bench` builds it first through turbo's `^build` dependency. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url))

/** Bearer key the benchmark servers accept on `POST /api/publish`. */
export const BENCH_PUBLISH_KEY = 'bench-publish-key-0123456789'

const READY_TIMEOUT_MS = 15_000
/** Shutdown flushes and compacts every loaded room, which takes a moment for a large document. */
const STOP_TIMEOUT_MS = 20_000
/** pino's numeric level for `warn`; everything at or above it is worth showing in a report. */
const PINO_WARN = 40

/** How to start a server. */
export interface ServerProcessOptions {
  /** Data directory; reuse one to restart on the same database. */
  dataDir: string
  synchronous: SynchronousMode
}

/** How the server process ended. */
export interface ServerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** From SIGTERM to process exit. */
  shutdownMs: number
}

/** A running server process. Start with {@link ServerProcess.start}; always {@link ServerProcess.stop} it. */
export class ServerProcess {
  readonly #child: ChildProcess
  readonly #exited: Promise<[number | null, NodeJS.Signals | null]>
  /** Warning and error log lines, counted by message, so a noisy loop shows as one line with a count. */
  readonly #problems = new Map<string, number>()
  readonly #killOnExit = (): void => void this.#child.kill('SIGKILL')
  #port = 0

  private constructor(child: ChildProcess) {
    this.#child = child
    this.#exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    // A runner that exits early (Ctrl-C, crash) must not leave a server listening behind it.
    process.once('exit', this.#killOnExit)
    void this.#exited.then(() => process.off('exit', this.#killOnExit))
  }

  /**
   * Spawn the server on port 0 with a clean environment and resolve once it logged its port.
   * @throws when it exits or stays silent for 15 s; the process is killed then.
   * @example
   * const server = await ServerProcess.start({ dataDir, synchronous: 'full' })
   */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    // Only the variables below: a REDIS_URL or ADMIN_TOKEN in the caller's shell must not change what is measured.
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'info',
      PUBLISH_KEY: BENCH_PUBLISH_KEY,
      SQLITE_SYNCHRONOUS: options.synchronous,
      // Every simulated client connects from 127.0.0.1: lift the per-address limits meant for real ones.
      MAX_CONNECTIONS_PER_ADDRESS: '10000',
      MAX_SOCKETS_PER_ADDRESS: '20000',
      MAX_NEW_ROOMS_PER_MINUTE: '10000',
      // The trace replay sends a whole paper's keystrokes as fast as the server takes them, far past a
      // person's pace: lift the per-connection budgets too, so throughput is what is measured.
      MAX_MESSAGES_PER_SECOND: '1000000',
      MAX_INBOUND_BYTES_PER_SECOND: String(1024 * 1024 * 1024),
      MAX_APPLY_MS_PER_MINUTE: '3600000',
    }
    const child = spawn(process.execPath, [SERVER_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const server = new ServerProcess(child)
    try {
      server.#port = await withDeadline(server.#readPort(), READY_TIMEOUT_MS, 'the server to log its port')
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    }
    return server
  }

  get pid(): number {
    return this.#child.pid ?? -1
  }

  /** `http://127.0.0.1:<port>` */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** `ws://127.0.0.1:<port>` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}`
  }

  /** Warnings and errors the server logged so far, one line per distinct message. */
  get problems(): string[] {
    return [...this.#problems].map(([message, count]) => (count > 1 ? `${message} (×${count})` : message))
  }

  /** CPU milliseconds the server process has used since it started. */
  cpuMs(): Promise<number | null> {
    return readProcessCpuMs(this.pid)
  }

  /** Resident memory of the server process now and at its peak. */
  memory(): Promise<ProcessMemory | null> {
    return readProcessMemory(this.pid)
  }

  /** Send SIGTERM and wait for the exit; SIGKILL after 20 s. Idempotent. */
  async stop(): Promise<ServerExit> {
    const started = performance.now()
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM')
    try {
      const [code, signal] = await withDeadline(this.#exited, STOP_TIMEOUT_MS, 'the server to exit after SIGTERM')
      return { code, signal, shutdownMs: performance.now() - started }
    } catch (error) {
      this.#child.kill('SIGKILL')
      throw error
    }
  }

  #readPort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const recent: string[] = []
      const remember = (line: string): void => {
        recent.push(line)
        if (recent.length > 20) recent.shift()
      }
      createInterface({ input: this.#child.stdout! }).on('line', (line) => {
        remember(line)
        this.#noteLogLine(line)
        // Port 0 appears only in the line reporting a failure to listen (it echoes the configured port).
        const port = Number(/"port":(\d+)/.exec(line)?.[1] ?? 0)
        if (port > 0) resolve(port)
      })
      createInterface({ input: this.#child.stderr! }).on('line', (line) => {
        remember(line)
        if (line.trim() !== '') this.#countProblem(`stderr: ${line.slice(0, 200)}`)
      })
      this.#child.once('error', reject)
      void this.#exited.then(([code, signal]) => {
        // After a successful start this rejection is ignored: a promise settles once.
        reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready:\n${recent.join('\n')}`))
      })
    })
  }

  #noteLogLine(line: string): void {
    let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      this.#countProblem(`unparsed output: ${line.slice(0, 200)}`)
      return
    }
    if (typeof entry.level !== 'number' || entry.level < PINO_WARN) return
    const level = entry.level >= 50 ? 'error' : 'warn'
    const cause = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : ''
    this.#countProblem(`${level} "${String(entry.msg)}"${cause}`)
  }

  #countProblem(line: string): void {
    // The server may log credentials it generated (e.g. an admin console URL with its token); a
    // benchmark report is meant to be pasted into issues, so they are blanked here.
    const key = line.replace(/((?:token|key|secret)=)[^\s"&#]+/gi, '$1<redacted>')
    this.#problems.set(key, (this.#problems.get(key) ?? 0) + 1)
  }
}
