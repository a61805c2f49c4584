/**
 * Measures how long the server's event loop is unavailable: a worker thread asks `GET /api/health`
 * back to back (a few milliseconds apart) and records each answer's latency. It runs in a worker so
 * the attack generated on the test's main thread cannot delay the pings it is judged by.
 *
 * On a shared two-core machine a ping can also be slow because the server was not scheduled at all.
 * So each ping also reads the CPU time of the server's main thread (`/proc/<pid>/task/<pid>/stat`):
 * a stall is charged to the server only as far as its main thread was busy during that ping. Both
 * figures are reported; tests assert on the charged one.
 */
import { Worker } from 'node:worker_threads'

/** What one measurement window saw. */
export interface StallReport {
  /** Answers received, plus the one still awaited when the window closed (counted as it stands). */
  pings: number
  /** Slowest health answer, as the client saw it. */
  worstLatencyMs: number
  /** Slowest health answer that the server's main thread spent busy (capped by the latency). */
  worstBusyStallMs: number
  /** 99th percentile latency. */
  p99LatencyMs: number
}

// Plain CommonJS so the worker needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const { readFileSync } = require('node:fs')
const { url, pid, gapMs } = workerData
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
// clock ticks of the main thread; USER_HZ is 100 on Linux, so 10 ms per tick
const statFile = '/proc/' + pid + '/task/' + pid + '/stat'
function cpuMs() {
  try {
    const stat = readFileSync(statFile, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch { return null }
}
let latencies = []
let worstBusy = 0
let running = true
// The ping waiting for its answer: a server stalled past the end of a window must still count.
let inFlight = null
parentPort.on('message', (message) => {
  if (message === 'report') {
    if (inFlight) {
      const elapsed = performance.now() - inFlight.started
      const cpuNow = cpuMs()
      const busy = inFlight.cpuBefore === null || cpuNow === null ? elapsed : Math.min(elapsed, cpuNow - inFlight.cpuBefore + 10)
      latencies.push(elapsed)
      if (busy > worstBusy) worstBusy = busy
    }
    const sorted = [...latencies].sort((a, b) => a - b)
    parentPort.postMessage({
      pings: latencies.length,
      worstLatencyMs: sorted.length ? sorted[sorted.length - 1] : 0,
      p99LatencyMs: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : 0,
      worstBusyStallMs: worstBusy,
    })
    latencies = []
    worstBusy = 0
  } else if (message === 'stop') {
    running = false
    agent.destroy()
  }
})
function ping() {
  if (!running) return
  const cpuBefore = cpuMs()
  const started = performance.now()
  inFlight = { started, cpuBefore }
  const done = () => {
    inFlight = null
    const latency = performance.now() - started
    const cpuAfter = cpuMs()
    // One tick of slack: the CPU clock has 10 ms resolution.
    const busy = cpuBefore === null || cpuAfter === null ? latency : Math.min(latency, cpuAfter - cpuBefore + 10)
    latencies.push(latency)
    if (busy > worstBusy) worstBusy = busy
    setTimeout(ping, gapMs)
  }
  const request = http.get(url, { agent, timeout: 30000 }, (response) => {
    response.resume()
    response.on('end', done)
  })
  request.on('error', () => {
    inFlight = null
    setTimeout(ping, gapMs)
  })
  request.on('timeout', () => request.destroy())
}
ping()
`

/** A running pinger; read with {@link StallMeter.report}, always {@link StallMeter.stop}. */
export class StallMeter {
  readonly #worker: Worker

  /** Start pinging `serverUrl` (`http://127.0.0.1:<port>`) of the process `pid`, `gapMs` apart. */
  constructor(serverUrl: string, pid: number, gapMs = 3) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url: `${serverUrl}/api/health`, pid, gapMs } })
  }

  /** Figures since the previous report (or the start), then start a new window. */
  report(): Promise<StallReport> {
    return new Promise((resolve) => {
      this.#worker.once('message', (report: StallReport) => resolve(report))
      this.#worker.postMessage('report')
    })
  }

  /** Resolve once the pinger has answers (connection set up, code warm); discards what it measured. */
  async warmUp(): Promise<void> {
    let pings = 0
    while (pings < 5) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      pings += (await this.report()).pings
    }
    await this.report()
  }

  /** Stop pinging and end the worker. */
  async stop(): Promise<void> {
    this.#worker.postMessage('stop')
    await this.#worker.terminate()
  }
}
