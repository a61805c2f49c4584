/**
 * Cross-node edit latency, side by side: one writer and 20 raw readers on Tandem alone (SQLite in
 * both durability modes, then PostgreSQL), on a Tandem cluster of three nodes sharing one PostgreSQL
 * schema and one Redis (writer on node A, ten readers on each of B and C), on Hocuspocus alone and on
 * two Hocuspocus nodes joined by `@hocuspocus/extension-redis` (writer on node 1, readers on node 2),
 * each in processes of its own on this machine. Each edit is timed from the writer's send to each
 * reader's receipt; on several nodes a witness reader on the writer's node is timed apart, which
 * shows what crossing nodes adds. Alternating rounds, medians, and the figures of issue 12's target:
 * cluster p50 at most 1 ms above one node's, cluster p99 at most 0.8 of the Hocuspocus pair's.
 *
 * PostgreSQL and Redis: `--database-url` / `--redis-url`, else `DATABASE_URL` / `REDIS_URL`, else
 * this machine's (postgres://postgres@127.0.0.1:5432/postgres, redis://127.0.0.1:6379). Each setup
 * gets a fresh schema (`bench_<random>`), dropped afterwards.
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npm run bench:cluster -- --rounds 3 --json docs/bench/cluster.json
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { clusterServices, unreachableServices } from './support/cluster-services.js'
import {
  CLUSTER_LOAD,
  clusterTargets,
  measureSetup,
  P50_TARGET_MS,
  P99_TARGET_RATIO,
  SETUP_KEYS,
  SETUP_LABELS,
  type SetupKey,
} from './support/cluster-setups.js'
import type { CrossNodeResult } from './support/cross-node-workload.js'
import { formatTable } from './support/format-table.js'
import { formatFigure, medianOf } from './support/rounds.js'

const FIGURES: { key: keyof CrossNodeResult; label: string }[] = [
  { key: 'p50Ms', label: 'edit → reader p50, ms' },
  { key: 'p90Ms', label: 'p90, ms' },
  { key: 'p99Ms', label: 'p99, ms' },
  { key: 'maxMs', label: 'max, ms' },
  { key: 'lastP50Ms', label: 'edit → last of 20 p50, ms' },
  { key: 'witnessP50Ms', label: "edit → witness on the writer's node p50, ms" },
  { key: 'witnessP99Ms', label: "edit → witness on the writer's node p99, ms" },
  { key: 'serverCpuMsPerEdit', label: 'server CPU per edit, all nodes, ms' },
  { key: 'deliveries', label: 'deliveries timed' },
  { key: 'repeats', label: 'updates repeated to a reader (0 expected)' },
]

function serverCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/server/src', 'packages'], { encoding: 'utf8' }).trim()
    return dirty === '' ? commit : `${commit} + uncommitted changes`
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      json: { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
    },
  })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be an integer from 1 to 20')
  const services = clusterServices({ databaseUrl: values['database-url'], redisUrl: values['redis-url'] })
  const unreachable = await unreachableServices(services)
  if (unreachable.length > 0) throw new Error(`a cluster needs PostgreSQL and Redis:\n  ${unreachable.join('\n  ')}`)
  process.once('SIGINT', () => process.exit(130))
  const at = new Date().toISOString()
  const commit = serverCommit()
  console.log(
    `Cluster · ${at} · server ${commit} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · load average ${loadavg()[0]!.toFixed(2)}`,
  )
  const { readersPerNode, edits, warmUpEdits, gapMs } = CLUSTER_LOAD
  console.log(
    `1 writer, ${2 * readersPerNode} raw readers (${readersPerNode} on each of 2 nodes; on several nodes, 1 more on the writer's, timed apart), ` +
      `${edits} timed edits after ${warmUpEdits} untimed, ${gapMs} ms apart\n`,
  )
  const runs = Object.fromEntries(SETUP_KEYS.map((key) => [key, [] as CrossNodeResult[]])) as Record<SetupKey, CrossNodeResult[]>
  const notes = new Set<string>()
  /** The 1-minute load average as each round starts: above the core count, the round's latencies are noisy. */
  const loads: number[] = []
  for (let round = 1; round <= rounds; round++) {
    loads.push(loadavg()[0]!)
    // Alternate the order, so that the machine's busier moments do not always fall on the same setup.
    const order = round % 2 === 1 ? SETUP_KEYS : [...SETUP_KEYS].reverse()
    for (const key of order) {
      const outcome = await measureSetup(key, services, 'crash-safe')
      runs[key].push(outcome.figures)
      for (const note of outcome.notes) notes.add(note)
      const { p50Ms, p99Ms, repeats } = outcome.figures
      console.log(
        `  round ${round} · ${SETUP_LABELS[key]}: p50 ${formatFigure(p50Ms)} ms, p99 ${formatFigure(p99Ms)} ms${repeats > 0 ? `, ${repeats} repeated updates` : ''} · load ${loadavg()[0]!.toFixed(2)}`,
      )
    }
  }
  const medianOfRounds = (list: CrossNodeResult[]): CrossNodeResult =>
    Object.fromEntries(FIGURES.map(({ key }) => [key, medianOf(list.map((figures) => figures[key]))])) as unknown as CrossNodeResult
  const medians = Object.fromEntries(SETUP_KEYS.map((key) => [key, medianOfRounds(runs[key])])) as Record<SetupKey, CrossNodeResult>
  const rows = [['figure (median of rounds)', ...SETUP_KEYS.map((key) => SETUP_LABELS[key])]]
  for (const { key, label } of FIGURES) rows.push([label, ...SETUP_KEYS.map((setup) => formatFigure(medians[setup][key]))])
  console.log(`\n${formatTable(rows, '  ')}\n`)
  const target = clusterTargets(medians)
  const verdict = (met: boolean): string => (met ? 'met' : 'MISSED')
  console.log(
    `  cluster p50 − one node's (SQLite) p50: ${target.p50OverOneNodeMs.toFixed(2)} ms (target ≤ ${P50_TARGET_MS} ms: ${verdict(target.p50OverOneNodeMet)})`,
  )
  console.log(`  cluster p50 − one node's (SQLite power-safe) p50: ${target.p50OverPowerSafeNodeMs.toFixed(2)} ms`)
  console.log(
    `  cluster p50 − one node's (PostgreSQL) p50: ${target.p50OverOnePostgresNodeMs.toFixed(2)} ms (that node relays to all 20 itself)`,
  )
  console.log(
    `  crossing to another node, p50 of readers there − p50 of the witness on the writer's node: Tandem ${target.crossingP50Ms.toFixed(2)} ms, Hocuspocus ${target.hocuspocusCrossingP50Ms.toFixed(2)} ms`,
  )
  console.log(
    `  cluster p99 / Hocuspocus + Redis pair p99: ${formatFigure(target.p99OverHocuspocusPair)} (target ≤ ${P99_TARGET_RATIO}: ${verdict(target.p99OverHocuspocusPairMet)})`,
  )
  for (const note of notes) console.log(`  note: ${note}`)
  if (values.json) {
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), values.json)
    writeFileSync(
      file,
      `${JSON.stringify(
        { at, server: commit, rounds, load: CLUSTER_LOAD, loadAverages: loads, setups: SETUP_LABELS, runs, medians, targets: target },
        null,
        2,
      )}\n`,
    )
    console.log(`  figures written to ${values.json}`)
  }
}

await main()
process.exit(0)
