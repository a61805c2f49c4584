/**
 * The built Tandem server (`apps/server/dist/main.js`, what `npm start` runs) as a child process, for
 * the server's process tests, the browser tests, the benchmarks and the hostile suite. It counts as
 * ready once it has written its `READY_FILE`, which says the port it listens on: nothing parses logs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

import { CapturedOutput, type LineListener } from './captured-output.js'
import { readReadyFile, type ReadyInfo } from './ready-file.js'

/** The built server of this repository (`npx turbo run build` makes it), from `src/` or `dist/`. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url))

/**
 * What `npm start` passes to Node before the entry point (the root package.json's `start` script
 * says the same; a test checks). V8 grows each half of its young generation up to 16 MiB, and a
 * server that warmed Yjs up at start keeps both halves until its memory reducer runs, some 30 s of
 * idleness later. At 4 MiB an idle server holds ~10 MiB less, a busy one ~20 MiB less, and CPU
 * per update stayed the same in an alternating A/B of the trace replay (2 MiB cost ~8% more).
 */
export const SERVER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4']

/** How often the ready file is looked for. */
const POLL_INTERVAL_MS = 20
const DEFAULT_READY_TIMEOUT_MS = 30_000
/** Shutdown flushes and compacts every loaded room, which takes a moment for a large document. */
const DEFAULT_STOP_TIMEOUT_MS = 20_000
/** How much of the output an error message quotes. */
const TAIL_CHARS = 4000

/** How to start a server. */
export interface ServerProcessOptions {
  /** `DATA_DIR`. The caller owns it: a restart on the same directory finds the same documents. */
  dataDir: string
  /** `PORT`; 0 (the default) lets the system pick a free one. */
  port?: number
  /** `HOST`; `127.0.0.1` by default. */
  host?: string
  /**
   * Further variables (limits, secrets). They win over `port`, `host`, `dataDir` and the defaults
   * `LOG_LEVEL=info` and `LOG_FORMAT=json`, so a test may pass a bad value on purpose; `READY_FILE`
   * is always the helper's own.
   */
  env?: Record<string, string>
  /**
   * Whether the server inherits this process's environment (the default). `false` gives it only the
   * variables above, so a `REDIS_URL` or `ADMIN_TOKEN` in the caller's shell cannot change a measurement.
   */
  inheritEnv?: boolean
  /** Called with every line the server prints, from the first. */
  onLine?: LineListener
  /** How long the server may take to write its ready file; then it is killed. Default 30 s. */
  readyTimeoutMs?: number
  /** How long {@link ServerProcess.stop} waits after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number
  /** The server's entry point; {@link SERVER_ENTRY} by default. */
  entry?: string
}

/** How the process ended: its exit code, or the signal that ended it. */
export interface ServerExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/**
 * Start the server and resolve once it is ready, with where it listens.
 * @throws when the entry point is missing, or the server exits or stays unready past the timeout;
 * the message quotes the end of what it printed (a bad variable is named on stderr). Nothing is left running.
 * @example
 * const server = await startServerProcess({ dataDir, env: { AUTH_SECRET } })
 * await fetch(`${server.url}/api/health`)
 * await server.stop()
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const entry = options.entry ?? SERVER_ENTRY
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the server first (npx turbo run build)`)
  // A directory of its own: no file from an earlier start can be mistaken for this one's.
  const readyDir = mkdtempSync(join(tmpdir(), 'tandem-ready-'))
  const readyFile = join(readyDir, 'ready.json')
  const env = {
    ...(options.inheritEnv === false ? {} : process.env),
    PORT: String(options.port ?? 0),
    HOST: options.host ?? '127.0.0.1',
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    // Test runs export DATABASE_URL for the suites that use PostgreSQL; a server spawned here keeps
    // its documents in its own data directory unless the caller passes one.
    DATABASE_URL: '',
    ...options.env,
    READY_FILE: readyFile,
  }
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = new CapturedOutput(child, options.onLine)
  let spawnError: Error | null = null
  child.once('error', (error) => (spawnError = error))
  // 'close' rather than 'exit': it comes once stdout and stderr are drained, so the output is complete.
  const exited = new Promise<ServerExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })))
  // A runner that exits early (Ctrl-C, a crash) must not leave a server listening behind it.
  const killOnExit = (): void => void child.kill('SIGKILL')
  process.once('exit', killOnExit)
  void exited.then(() => {
    process.off('exit', killOnExit)
    rmSync(readyDir, { recursive: true, force: true })
  })

  let problem: string
  try {
    const ready = await waitForReadyFile(readyFile, child, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, () => spawnError)
    if (ready.pid === child.pid) return new RunningServer(child, ready, readyFile, output, exited, options.stopTimeoutMs)
    problem = `wrote a ready file naming pid ${ready.pid}, but its pid is ${child.pid}`
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error)
  }
  if (isRunning(child)) child.kill('SIGKILL')
  const exit = await exited
  throw new Error(
    `the server (${entry}) ${problem} [exit code ${exit.code}, signal ${exit.signal}]; its output:\n${output.tail(TAIL_CHARS)}`,
  )
}

/** A running server process. Start one with {@link startServerProcess}; always stop or kill it. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** The port it listens on. */
  readonly port: number
  /** `HOST` as the server was configured. */
  readonly host: string
  /** `http://host:port` */
  readonly url: string
  /** `ws://host:port`; add a path (`/collab/<room>`, `/api/events`). */
  readonly wsUrl: string
  /** The file the server said it was ready in (removed once the process has exited). */
  readonly readyFile: string
  /** Resolves once the process has ended and its output is complete. */
  readonly exited: Promise<ServerExit>
  /** How the process ended, or `null` while it runs. */
  readonly exit: ServerExit | null
  /** Everything it printed on stdout and stderr so far. */
  output(): string
  /** The last `chars` characters it printed (4000 by default), for a failure message. */
  outputTail(chars?: number): string
  /**
   * SIGTERM (the server flushes, compacts and exits 0), and wait for the exit. Idempotent.
   * @throws when it has not exited after the stop timeout; it is SIGKILLed first.
   */
  stop(): Promise<ServerExit>
  /** SIGKILL now, as a crash would, and wait for the exit. */
  kill(): Promise<ServerExit>
}

class RunningServer implements ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  readonly host: string
  readonly url: string
  readonly wsUrl: string
  readonly readyFile: string
  readonly exited: Promise<ServerExit>
  readonly #output: CapturedOutput
  readonly #stopTimeoutMs: number
  #exit: ServerExit | null = null
  #stopping: Promise<ServerExit> | null = null

  constructor(
    child: ChildProcess,
    ready: ReadyInfo,
    readyFile: string,
    output: CapturedOutput,
    exited: Promise<ServerExit>,
    stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS,
  ) {
    this.child = child
    this.pid = ready.pid
    this.port = ready.port
    this.host = ready.host
    this.url = ready.url
    this.wsUrl = ready.url.replace(/^http/, 'ws')
    this.readyFile = readyFile
    this.exited = exited
    this.#output = output
    this.#stopTimeoutMs = stopTimeoutMs
    void exited.then((exit) => (this.#exit = exit))
  }

  get exit(): ServerExit | null {
    return this.#exit
  }

  output(): string {
    return this.#output.text()
  }

  outputTail(chars = TAIL_CHARS): string {
    return this.#output.tail(chars)
  }

  stop(): Promise<ServerExit> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  kill(): Promise<ServerExit> {
    if (isRunning(this.child)) this.child.kill('SIGKILL')
    return this.exited
  }

  async #stop(): Promise<ServerExit> {
    if (!isRunning(this.child)) return this.exited
    this.child.kill('SIGTERM')
    const timeout = new AbortController()
    const exit = await Promise.race([this.exited, sleep(this.#stopTimeoutMs, null, { signal: timeout.signal }).catch(() => null)])
    timeout.abort()
    if (exit) return exit
    await this.kill()
    throw new Error(`the server did not exit within ${this.#stopTimeoutMs} ms of SIGTERM and was killed; its output:\n${this.outputTail()}`)
  }
}

/** Poll for the ready file until it appears, the process ends, or `timeoutMs` pass. */
async function waitForReadyFile(file: string, child: ChildProcess, timeoutMs: number, spawnError: () => Error | null): Promise<ReadyInfo> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const error = spawnError()
    if (error) throw new Error(`could not be started: ${error.message}`)
    if (!isRunning(child)) throw new Error('exited before it was ready')
    const ready = await readReadyFile(file)
    if (ready) return ready
    if (performance.now() > deadline) throw new Error(`was not ready within ${timeoutMs} ms, so it was killed`)
    await sleep(POLL_INTERVAL_MS)
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}
