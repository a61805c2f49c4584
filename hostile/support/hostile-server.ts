/**
 * The built server (`apps/server/dist/main.js`) as a child process on port 0 with its own temporary
 * data directory, watched the way an operator would: every log line is scanned for errors and
 * uncaught exceptions, the process for exits, `/proc` for memory. Spawning is the server's own test
 * helper; this adds only what an attack needs to judge its outcome.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { type ProcessMemory, readProcessMemory } from '@tandem/bench/support/process-memory.js'
import { type SpawnedServer, spawnServer } from '@tandem/server/src/test-support/spawn-server.js'
import { onTestFinished } from 'vitest'

/** pino's numeric level of `error`; `fatal` is 60. */
const PINO_ERROR = 50
/** Words Node and the server use when something escaped every handler. */
const ESCAPED = /uncaught|unhandled/i

/** A spawned server under attack. Start inside a test; it is killed and its data removed afterwards. */
export class HostileServer {
  readonly #spawned: SpawnedServer
  readonly #problems: string[] = []
  readonly #messages = new Map<string, number>()
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null

  private constructor(spawned: SpawnedServer) {
    this.#spawned = spawned
    void spawned.exited.then((exit) => (this.#exit = exit))
    createInterface({ input: spawned.child.stdout! }).on('line', (line) => this.#noteLine(line))
    createInterface({ input: spawned.child.stderr! }).on('line', (line) => {
      if (line.trim() !== '') this.#problems.push(`stderr: ${line.slice(0, 500)}`)
    })
  }

  /**
   * Spawn the server with `env` (limits, secrets) over a fresh data directory, which `prepare`
   * may fill first (e.g. with documents written through the server's own store).
   * @example
   * const server = await HostileServer.start({ MAX_MESSAGES_PER_SECOND: '20' })
   */
  static async start(env: Record<string, string> = {}, prepare?: (dataDir: string) => Promise<void>): Promise<HostileServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-hostile-'))
    let spawned: SpawnedServer
    try {
      await prepare?.(dataDir)
      spawned = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env })
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true })
      throw error
    }
    const server = new HostileServer(spawned)
    onTestFinished(async () => {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL')
      await spawned.exited
      rmSync(dataDir, { recursive: true, force: true })
    })
    return server
  }

  get pid(): number {
    return this.#spawned.child.pid ?? -1
  }

  get port(): number {
    return this.#spawned.port
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#spawned.url
  }

  /** `ws://127.0.0.1:<port>/collab`, the stock client's `serverUrl`. */
  get collabUrl(): string {
    return this.#spawned.collabUrl
  }

  /** `ws://127.0.0.1:<port>/api/events` */
  get eventsUrl(): string {
    return `ws://127.0.0.1:${this.#spawned.port}/api/events`
  }

  /** How the process ended, or `null` while it runs. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.#exit
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
    const output = this.#spawned.output()
    return output.length > chars ? `…${output.slice(-chars)}` : output
  }

  /** Throw unless the process still runs and has logged no error, fatal or uncaught exception. */
  assertUnharmed(): void {
    if (this.#exit) throw new Error(`the server exited (code ${this.#exit.code}, signal ${this.#exit.signal}):\n${this.outputTail()}`)
    if (this.#problems.length > 0)
      throw new Error(`the server logged ${this.#problems.length} problem(s):\n${this.#problems.slice(0, 20).join('\n')}`)
  }

  /** SIGKILL now (tests of what survives a crash). */
  kill(): void {
    this.#spawned.child.kill('SIGKILL')
  }

  #noteLine(line: string): void {
    let entry: { level?: unknown; msg?: unknown }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      // pino writes one JSON object per line; anything else came from outside the logger.
      this.#problems.push(`unstructured output: ${line.slice(0, 500)}`)
      return
    }
    const msg = String(entry.msg)
    this.#messages.set(msg, (this.#messages.get(msg) ?? 0) + 1)
    // Only `msg` is the server's own words; fields such as `err.message` may echo what a client sent.
    if ((typeof entry.level === 'number' && entry.level >= PINO_ERROR) || ESCAPED.test(msg)) this.#problems.push(line.slice(0, 1000))
  }
}
