/**
 * The built Tandem server as a child process, so benchmarks measure what users run (`node
 * apps/server/dist/main.js`), through its real sockets, with its own event loop and memory. Starting,
 * waiting for it and stopping it is `@tandem/server-process`; this adds what a benchmark needs: its
 * limits lifted, its CPU and memory read, and the warnings it logged kept for the report.
 */
import { type ServerProcess, startServerProcess } from '@tandem/server-process'

import { heapProbeEnv } from './heap-probe.js'
import { readProcessCpuMs } from './process-cpu.js'
import { type ProcessMemory, readProcessMemory } from './process-memory.js'

/** Durability mode the benchmark servers run with (`DURABILITY`). */
export type DurabilityMode = 'crash-safe' | 'power-safe'

/** Bearer key the benchmark servers accept on `POST /api/publish`. */
export const BENCH_PUBLISH_KEY = 'bench-publish-key-0123456789'

/** pino's numeric level for `warn`; everything at or above it is worth showing in a report. */
const PINO_WARN = 40

/** How to start a server. */
export interface BenchServerOptions {
  /** Data directory; reuse one to restart on the same database. */
  dataDir: string
  durability: DurabilityMode
  /**
   * Further variables, over the benchmark defaults: `DATABASE_URL`, `DATABASE_SCHEMA` and `REDIS_URL`
   * for a node of a cluster. Nothing else reaches the server from the caller's environment.
   */
  env?: Record<string, string>
}

/** How the server process ended. */
export interface BenchServerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** From SIGTERM to process exit. */
  shutdownMs: number
}

/** A running benchmark server. Start with {@link BenchServer.start}; always {@link BenchServer.stop} it. */
export class BenchServer {
  readonly #server: ServerProcess
  /** Warning and error log lines, counted by message, so a noisy loop shows as one line with a count. */
  readonly #problems: Map<string, number>

  private constructor(spawned: ServerProcess, problems: Map<string, number>) {
    this.#server = spawned
    this.#problems = problems
  }

  /**
   * Spawn the server on port 0 with a clean environment and resolve once it is ready.
   * @throws when it exits or is not ready within 30 s; the process is killed then.
   * @example
   * const server = await BenchServer.start({ dataDir, durability: 'power-safe' })
   */
  static async start(options: BenchServerOptions): Promise<BenchServer> {
    const problems = new Map<string, number>()
    const spawned = await startServerProcess({
      dataDir: options.dataDir,
      // Only the variables below: a REDIS_URL or ADMIN_TOKEN in the caller's shell must not change what is measured.
      inheritEnv: false,
      env: {
        ...heapProbeEnv(),
        PUBLISH_KEY: BENCH_PUBLISH_KEY,
        DURABILITY: options.durability,
        // Every simulated client connects from 127.0.0.1: lift the per-address limits meant for real ones.
        MAX_CONNECTIONS_PER_ADDRESS: '20000',
        MAX_SOCKETS_PER_ADDRESS: '40000',
        MAX_NEW_ROOMS_PER_MINUTE: '10000',
        // One address may show a quarter of a room's cursors (64 of the default 256): 1,024 here.
        MAX_AWARENESS_IDS_PER_ROOM: '4096',
        // The trace replay sends a whole paper's keystrokes as fast as the server takes them, far past a
        // person's pace: lift the per-connection budgets too, so throughput is what is measured.
        MAX_MESSAGES_PER_SECOND: '1000000',
        MAX_INBOUND_BYTES_PER_SECOND: String(1024 * 1024 * 1024),
        MAX_APPLY_MS_PER_MINUTE: '3600000',
        ...options.env,
      },
      onLine: (line, stream) => {
        const problem = stream === 'stdout' ? problemIn(line) : line.trim() === '' ? null : `stderr: ${line.slice(0, 200)}`
        if (problem === null) return
        // The server may log credentials it generated (e.g. an admin console URL with its token); a
        // benchmark report is meant to be pasted into issues, so they are blanked here.
        const key = problem.replace(/((?:token|key|secret)=)[^\s"&#]+/gi, '$1<redacted>')
        problems.set(key, (problems.get(key) ?? 0) + 1)
      },
    })
    return new BenchServer(spawned, problems)
  }

  get pid(): number {
    return this.#server.pid
  }

  /** `http://127.0.0.1:<port>` */
  get httpUrl(): string {
    return this.#server.url
  }

  /** `ws://127.0.0.1:<port>` */
  get wsUrl(): string {
    return this.#server.wsUrl
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

  /** Send SIGTERM and wait for the exit; SIGKILL (and throw) after 20 s. Idempotent. */
  async stop(): Promise<BenchServerExit> {
    const started = performance.now()
    const { code, signal } = await this.#server.stop()
    return { code, signal, shutdownMs: performance.now() - started }
  }
}

/** The report line for a warning or error log line (`null` for the rest). */
function problemIn(line: string): string | null {
  let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } }
  try {
    entry = JSON.parse(line) as typeof entry
  } catch {
    return `unparsed output: ${line.slice(0, 200)}`
  }
  if (typeof entry.level !== 'number' || entry.level < PINO_WARN) return null
  const level = entry.level >= 50 ? 'error' : 'warn'
  const cause = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : ''
  return `${level} "${String(entry.msg)}"${cause}`
}
