/**
 * Runs Tandem's benchmarks one after another against the built server, prints each one's report and
 * then a summary table, and exits non-zero if any benchmark found a wrong result. It builds nothing:
 * `npm run bench` builds the server first through turbo's `^build`.
 *
 * @example
 * npx tsx bench/run-all.ts                          # every benchmark
 * npx tsx bench/run-all.ts notify-latency           # one (or several) by name
 * npx tsx bench/run-all.ts cluster-latency          # needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL), else skipped
 * DURABILITY=power-safe npx tsx bench/run-all.ts
 */
import { existsSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { SERVER_ENTRY } from '@tandem/server-process'

import { clusterLatency } from './cluster-latency.js'
import { collabFanout } from './collab-fanout.js'
import { collabTrace } from './collab-trace.js'
import { notifyLatency } from './notify-latency.js'
import type { DurabilityMode } from './support/bench-server.js'
import type { Benchmark } from './support/benchmark.js'
import { formatTable } from './support/format-table.js'
import { formatBytes, formatMs } from './support/format-units.js'
import { Report } from './support/report.js'

const BENCHMARKS: readonly Benchmark[] = [notifyLatency, collabTrace, collabFanout, clusterLatency]
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Outcome {
  benchmark: Benchmark
  report: Report
  durationMs: number
}

function selectBenchmarks(names: readonly string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS]
  const unknown = names.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  return BENCHMARKS.filter((benchmark) => names.includes(benchmark.name))
}

function durabilityMode(): DurabilityMode {
  // Read here rather than passed through turbo, whose strict env mode would drop it (run tsx directly).
  const mode = process.env.DURABILITY ?? 'crash-safe'
  if (mode === 'crash-safe' || mode === 'power-safe') return mode
  console.error(`DURABILITY must be "crash-safe" or "power-safe", not ${JSON.stringify(mode)}`)
  process.exit(2)
}

function reproduceCommand(name: string, durability: DurabilityMode): string {
  const env = durability === 'crash-safe' ? '' : `DURABILITY=${durability} `
  return `cd ${REPO_ROOT.replace(/\/$/, '')} && npx turbo run build --filter=@tandem/server && ${env}npx tsx bench/run-all.ts ${name}`
}

/**
 * The 1-minute load average, read before a benchmark starts, with a warning when other processes
 * already keep every core busy: the server and the clients need the cores themselves, so figures from
 * a busy machine say more about the neighbours. (It decays slowly, so it includes some of the
 * previous benchmark's own load.)
 */
function describeLoad(cores: number): string {
  const [oneMinute = 0] = loadavg()
  const text = `load average ${oneMinute.toFixed(2)} on ${cores} cores`
  return oneMinute > cores ? `${text} — WARNING: the machine is busy, latencies will be noisy (CPU per unit less so)` : text
}

/** An error's message with its cause (fetch's "fetch failed" says nothing without it). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message
}

function printReport({ benchmark, report, durationMs }: Outcome, durability: DurabilityMode): void {
  if (report.skipped !== null) console.log(`  SKIPPED: ${report.skipped}`)
  if (report.metrics.length > 0) console.log(formatTable([['result', 'value'], ...report.metrics.map((m) => [m.label, m.value])], '  '))
  for (const note of report.notes) console.log(`  note: ${note}`)
  for (const error of report.errors) console.log(`  ERROR: ${error}`)
  console.log(`  ${report.status} in ${formatMs(durationMs)}`)
  console.log(`  reproduce: ${reproduceCommand(benchmark.name, durability)}\n`)
}

function printSummary(outcomes: readonly Outcome[]): void {
  const rows: string[][] = [['benchmark', 'status', 'time', 'figure', 'value']]
  for (const { benchmark, report, durationMs } of outcomes) {
    const headline = report.metrics.filter((metric) => metric.headline)
    const first = [benchmark.name, report.status, `${(durationMs / 1000).toFixed(1)} s`]
    if (headline.length === 0) rows.push([...first, report.skipped ?? report.errors[0] ?? '', ''])
    headline.forEach((metric, index) => rows.push([...(index === 0 ? first : ['', '', '']), metric.label, metric.value]))
  }
  console.log(`${formatTable(rows)}\n`)
}

async function main(): Promise<void> {
  const selected = selectBenchmarks(process.argv.slice(2))
  const durability = durabilityMode()
  if (!existsSync(SERVER_ENTRY)) {
    console.error(`the server is not built (${SERVER_ENTRY} is missing); run: npx turbo run build --filter=@tandem/server`)
    process.exit(1)
  }
  // process.exit() still emits 'exit', where each server child is killed and each temp dir removed.
  process.once('SIGINT', () => process.exit(130))
  process.once('SIGTERM', () => process.exit(143))

  const cpuList = cpus()
  console.log(`Tandem benchmarks · ${new Date().toISOString()}`)
  console.log(
    `Node ${process.version} · ${process.platform}/${process.arch} · ${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'} · ` +
      `${formatBytes(totalmem())} RAM · DURABILITY=${durability}`,
  )
  console.log(`server: ${relative(process.cwd(), SERVER_ENTRY)} (spawned per benchmark on 127.0.0.1, port 0, fresh data dir)\n`)

  const outcomes: Outcome[] = []
  for (const benchmark of selected) {
    console.log(`▶ ${benchmark.name}: ${benchmark.summary}`)
    console.log(`  ${describeLoad(cpuList.length)}`)
    const report = new Report()
    const started = performance.now()
    try {
      await benchmark.run({ durability, progress: (message) => console.log(`  · ${message}`) }, report)
    } catch (error) {
      // First in the list: clean-up errors recorded while unwinding are usually its consequences.
      report.errors.unshift(describeError(error))
    }
    const outcome = { benchmark, report, durationMs: performance.now() - started }
    outcomes.push(outcome)
    printReport(outcome, durability)
  }

  console.log('Summary')
  printSummary(outcomes)
  const failed = outcomes.filter((outcome) => outcome.report.status === 'failed')
  if (failed.length > 0) {
    console.log(`FAILED: ${failed.map((outcome) => outcome.benchmark.name).join(', ')}`)
    process.exitCode = 1
  }
}

await main()
