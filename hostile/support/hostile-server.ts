/**
 * The built server (`apps/server/dist/main.js`) as a child process on port 0 with its own temporary
 * data directory, watched the way an operator would: every log line is scanned for errors and
 * uncaught exceptions, the process for exits, `/proc` for memory. Spawning is the repository's one
 * helper (`@tandem/server-process`); this adds only what an attack needs to judge its outcome.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type ProcessMemory, readProcessMemory } from '@tandem/bench/support/process-memory.js'
import { type ServerExit, type ServerProcess, startServerProcess } from '@tandem/server-process'
import { onTestFinished } from 'vitest'

/** pino's numeric level of `error`; `fatal` is 60. */
const PINO_ERROR = 50
/** Words Node and the server use when something escaped every handler. */
const ESCAPED = /uncaught|unhandled/i

/** A spawned server under attack. Start inside a test; it is killed and its data removed afterwards. */
export class HostileServer {
  readonly #process: ServerProcess
  readonly #problems: string[]
  readonly #messages: Map<string, number>

  private constructor(spawned: ServerProcess, problems: string[], messages: Map<string, number>) {
    this.#process = spawned
    this.#problems = problems
    this.#messages = messages
  }

  /**
   * Spawn the server with `env` (limits, secrets) over a fresh data directory, which `prepare`
   * may fill first (e.g. with documents written through the server's own store).
   * @example
   * const server = await HostileServer.start({ MAX_MESSAGES_PER_SECOND: '20' })
   */
  static async start(env: Record<string, string> = {}, prepare?: (dataDir: string) => Promise<void>): Promise<HostileServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-hostile-'))
    const problems: string[] = []
    const messages = new Map<string, number>()
    let spawned: ServerProcess
    try {
      await prepare?.(dataDir)
      spawned = await startServerProcess({
        dataDir,
        env,
        // From the first line on: a problem during start-up counts as much as one under attack.
        onLine: (line, stream) => {
          if (stream === 'stdout') noteLogLine(line, problems, messages)
          else if (line.trim() !== '') problems.push(`stderr: ${line.slice(0, 500)}`)
        },
      })
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true })
      throw error
    }
    onTestFinished(async () => {
      await spawned.kill()
      rmSync(dataDir, { recursive: true, force: true })
    })
    return new HostileServer(spawned, problems, messages)
  }

  get pid(): number {
    return this.#process.pid
  }

  get port(): number {
    return this.#process.port
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#process.url
  }

  /** `ws://127.0.0.1:<port>/collab`, the stock client's `serverUrl`. */
  get collabUrl(): string {
    return `${this.#process.wsUrl}/collab`
  }

  /** `ws://127.0.0.1:<port>/api/events` */
  get eventsUrl(): string {
    return `${this.#process.wsUrl}/api/events`
  }

  /** How the process ended, or `null` while it runs. */
  get exit(): ServerExit | null {
    return this.#process.exit
  }

  /** Error and fatal log lines, uncaught exceptions and anything on stderr, in order. */
  get problems(): readonly string[] {
    return this.#problems
  }

  /** How many log lines of any level had message `msg` so far (e.g. `"closing connection"`). */
  logged(msg: string): number {
    return this.#messages.get(msg) ?? 0
  }

  /** Resident memory now and at its peak since the last {@link resetPeakMemory}. */
  async memory(): Promise<ProcessMemory> {
    const memory = await readProcessMemory(this.pid)
    if (!memory) throw new Error(`cannot read /proc/${this.pid}/status: the suite measures memory on Linux only`)
    return memory
  }

  /** Reset the kernel's peak-RSS mark (`VmHWM`) so the next reading's peak belongs to what follows. */
  resetPeakMemory(): void {
    // "5" resets the peak resident set size (proc(5), /proc/pid/clear_refs); we own the process.
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5')
  }

  /** Everything the server printed, for failure messages (the tail; the head is the start-up). */
  outputTail(chars = 4000): string {
    return this.#process.outputTail(chars)
  }

  /** Throw unless the process still runs and has logged no error, fatal or uncaught exception. */
  assertUnharmed(): void {
    const exit = this.#process.exit
    if (exit) throw new Error(`the server exited (code ${exit.code}, signal ${exit.signal}):\n${this.outputTail()}`)
    if (this.#problems.length > 0)
      throw new Error(`the server logged ${this.#problems.length} problem(s):\n${this.#problems.slice(0, 20).join('\n')}`)
  }

  /** SIGKILL now (tests of what survives a crash). */
  kill(): void {
    void this.#process.kill()
  }
}

/** Count `line` by message; keep it as a problem if it is an error, fatal or escaped exception. */
function noteLogLine(line: string, problems: string[], messages: Map<string, number>): void {
  let entry: { level?: unknown; msg?: unknown }
  try {
    entry = JSON.parse(line) as typeof entry
  } catch {
    // pino writes one JSON object per line; anything else came from outside the logger.
    problems.push(`unstructured output: ${line.slice(0, 500)}`)
    return
  }
  const msg = String(entry.msg)
  messages.set(msg, (messages.get(msg) ?? 0) + 1)
  // Only `msg` is the server's own words; fields such as `err.message` may echo what a client sent.
  if ((typeof entry.level === 'number' && entry.level >= PINO_ERROR) || ESCAPED.test(msg)) problems.push(line.slice(0, 1000))
}
