/**
 * How close any server can come to the peers here: the latency workloads of `peers.ts` against a
 * server that does no document work at all (`support/null-forwarder.ts`: it forwards frames byte for
 * byte), the y-websocket reference server in memory, and Tandem, in alternating rounds. A ratio of
 * the forwarder to the reference server is a bound: a server that keeps and merges documents cannot
 * get below it on this machine with this load generator.
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npm run bench:floor -- --rounds 3
 */
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { replay, TARGET_UPDATES } from './collab-trace.js'
import { BenchServer } from './support/bench-server.js'
import { CollabClient } from './support/collab-client.js'
import { summarize } from './support/distribution.js'
import { groupTransactions, loadEditingTrace, type Patch } from './support/editing-trace.js'
import { fanoutWorkload } from './support/fanout-workload.js'
import { formatTable } from './support/format-table.js'
import { startPeerProcess, startPeerServer } from './support/peer-server.js'
import { formatFigure, medianOf } from './support/rounds.js'
import { TempDir } from './support/temp-dir.js'
import { writersWorkload } from './support/writers-workload.js'

const NULL_FORWARDER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'null-forwarder.ts')
/** The workloads and sizes of `peers.ts`. */
const WRITERS = { writers: 20, edits: 50, intervalMs: 50 }
const FANOUT = { receivers: 199, edits: 50, gapMs: 20 }

const FIGURES = [
  ['writersP50Ms', '20 writers: edit → observer p50, ms'],
  ['writersP99Ms', '20 writers: edit → observer p99, ms'],
  ['replayMs', 'trace replay until B has it all, ms'],
  ['relayP50Ms', 'relay A → B p50, ms'],
  ['relayP99Ms', 'relay A → B p99, ms'],
  ['fanoutFirstP50Ms', '1 writer → 199 receivers: first p50, ms'],
  ['fanoutLastP50Ms', '1 writer → 199 receivers: last p50, ms'],
  ['fanoutLastP99Ms', '1 writer → 199 receivers: last p99, ms'],
] as const
type Figures = Record<(typeof FIGURES)[number][0], number>

interface Target {
  wsUrl: string
  stop(): Promise<void>
}

const contenders: { name: string; start(): Promise<Target> }[] = [
  {
    name: 'null forwarder',
    async start() {
      const started = await startPeerProcess('null forwarder', ['--import', 'tsx', NULL_FORWARDER], {})
      return { wsUrl: `ws://127.0.0.1:${started.port}`, stop: () => started.stop() }
    },
  },
  { name: 'y-websocket', start: () => startPeerServer('y-websocket') },
  {
    name: 'Tandem crash-safe',
    async start() {
      const dataDir = new TempDir('tandem-bench-floor')
      const server = await BenchServer.start({ dataDir: dataDir.path, durability: 'crash-safe' })
      return {
        wsUrl: server.wsUrl,
        async stop() {
          await server.stop()
          dataDir.remove()
        },
      }
    },
  },
]

async function measure(target: Target, round: number, batches: readonly Patch[][]): Promise<Figures> {
  const writers = await writersWorkload(target.wsUrl, `floor-writers-${round}`, WRITERS)
  const a = await CollabClient.connect(target.wsUrl, `floor-trace-${round}`)
  const b = await CollabClient.connect(target.wsUrl, `floor-trace-${round}`)
  let replayed
  try {
    replayed = await replay(a, b, batches)
  } finally {
    a.destroy()
    b.destroy()
  }
  const relay = summarize(replayed.relayLatencies)
  const fanout = await fanoutWorkload(target.wsUrl, `floor-fanout-${round}`, FANOUT)
  return {
    writersP50Ms: writers.p50Ms,
    writersP99Ms: writers.p99Ms,
    replayMs: replayed.replayMs,
    relayP50Ms: relay.p50,
    relayP99Ms: relay.p99,
    fanoutFirstP50Ms: fanout.firstP50Ms,
    fanoutLastP50Ms: fanout.lastP50Ms,
    fanoutLastP99Ms: fanout.lastP99Ms,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be an integer from 1 to 20')
  const trace = await loadEditingTrace()
  if (!trace) throw new Error('the automerge-paper trace is missing (see bench/README.md, Dataset)')
  const batches = groupTransactions(trace, TARGET_UPDATES)
  process.once('SIGINT', () => process.exit(130))
  console.log(
    `Floor · ${new Date().toISOString()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · load average ${loadavg()[0]!.toFixed(2)}\n`,
  )
  const runs: Record<string, Figures[]> = {}
  for (let round = 1; round <= rounds; round++) {
    for (const contender of contenders) {
      const target = await contender.start()
      try {
        const figures = await measure(target, round, batches)
        ;(runs[contender.name] ??= []).push(figures)
        console.log(
          `  round ${round} · ${contender.name}: writers p50 ${formatFigure(figures.writersP50Ms)} ms, relay p50 ${formatFigure(figures.relayP50Ms)} ms`,
        )
      } finally {
        await target.stop()
      }
    }
  }
  const median = (name: string, key: keyof Figures): number => medianOf(runs[name]!.map((figures) => figures[key]))
  const rows = [['figure (median)', ...contenders.map(({ name }) => name), 'forwarder / y-websocket', 'Tandem / y-websocket']]
  for (const [key, label] of FIGURES) {
    const reference = median('y-websocket', key)
    rows.push([
      label,
      ...contenders.map(({ name }) => formatFigure(median(name, key))),
      formatFigure(median('null forwarder', key) / reference),
      formatFigure(median('Tandem crash-safe', key) / reference),
    ])
  }
  console.log(`\n${formatTable(rows, '  ')}\n`)
}

await main()
process.exit(0)
