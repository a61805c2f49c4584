/**
 * Side by side: the same workload against Tandem and its peers, each server in its own process, in
 * alternating rounds so that a busy moment of the machine hurts everyone alike; prints medians and
 * Tandem / best-peer ratios (below 1: Tandem is ahead).
 *
 * Workloads so far: the automerge-paper trace replay of `collab-trace` (A sends ≈20,000 updates
 * through one room to B; every 100th is sent into a drained pipeline and timed), then, on the same
 * server, 20 writers typing in another room (`support/writers-workload.ts`). Peers: the y-websocket
 * reference server in memory and with y-leveldb (`support/peer-server.ts`).
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npx tsx bench/peers.ts            # 3 rounds
 * npx tsx bench/peers.ts --rounds 5 --json docs/bench/peers-trace.json
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'

import { replay, TARGET_UPDATES } from './collab-trace.js'
import { BenchServer, type DurabilityMode } from './support/bench-server.js'
import { CollabClient } from './support/collab-client.js'
import { summarize } from './support/distribution.js'
import { groupTransactions, loadEditingTrace, type Patch } from './support/editing-trace.js'
import { formatTable } from './support/format-table.js'
import { PEER_KINDS, startPeerServer } from './support/peer-server.js'
import { readProcessCpuMs } from './support/process-cpu.js'
import { TempDir } from './support/temp-dir.js'
import { writersWorkload } from './support/writers-workload.js'

/** A server under test, whatever it is. */
interface Target {
  wsUrl: string
  pid: number
  stop(): Promise<void>
}

/** One replay's figures. */
interface Figures {
  /** 20 writers, 50 one-character edits each at 20 per second: edit → observer, ms. */
  writersP50Ms: number
  writersP99Ms: number
  replayMs: number
  /** Server CPU (user + system) per update, ms. */
  cpuMsPerUpdate: number
  relayP50Ms: number
  relayP99Ms: number
}

const FIGURES: { key: keyof Figures; label: string }[] = [
  { key: 'writersP50Ms', label: '20 writers: edit → observer p50, ms' },
  { key: 'writersP99Ms', label: '20 writers: edit → observer p99, ms' },
  { key: 'replayMs', label: 'replay until B has it all, ms' },
  { key: 'cpuMsPerUpdate', label: 'server CPU per update, ms' },
  { key: 'relayP50Ms', label: 'relay A → B p50, ms' },
  { key: 'relayP99Ms', label: 'relay A → B p99, ms' },
]

const TANDEM_MODES: DurabilityMode[] = ['crash-safe', 'power-safe']

/** The first workload: 20 writers × 50 edits at 20 edits per second each, in one room. */
const WRITERS = { writers: 20, edits: 50, intervalMs: 50 }

async function startTandem(durability: DurabilityMode): Promise<Target> {
  const dataDir = new TempDir('tandem-bench-peers')
  const server = await BenchServer.start({ dataDir: dataDir.path, durability })
  return {
    wsUrl: server.wsUrl,
    pid: server.pid,
    async stop() {
      const exit = await server.stop()
      dataDir.remove()
      if (exit.code !== 0) throw new Error(`Tandem (${durability}) exited with code ${exit.code}`)
    },
  }
}

async function measure(target: Target, batches: readonly Patch[][], endContent: string): Promise<Figures> {
  try {
    const writer = await CollabClient.connect(target.wsUrl, 'peers-trace')
    const reader = await CollabClient.connect(target.wsUrl, 'peers-trace')
    try {
      const cpuBefore = await readProcessCpuMs(target.pid)
      const { replayMs, relayLatencies } = await replay(writer, reader, batches)
      const cpuAfter = await readProcessCpuMs(target.pid)
      if (reader.text.toString() !== endContent) throw new Error('B’s text differs from the trace’s end content')
      const relay = summarize(relayLatencies)
      const writers = await writersWorkload(target.wsUrl, 'peers-writers', WRITERS)
      return {
        writersP50Ms: writers.p50Ms,
        writersP99Ms: writers.p99Ms,
        replayMs,
        cpuMsPerUpdate: cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / batches.length,
        relayP50Ms: relay.p50,
        relayP99Ms: relay.p99,
      }
    } finally {
      writer.destroy()
      reader.destroy()
    }
  } finally {
    await target.stop()
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
const round = (value: number): string => (Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toPrecision(3))

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, json: { type: 'string' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds must be an integer from 1 to 50')
  const trace = await loadEditingTrace()
  if (!trace) throw new Error('the automerge-paper trace is missing (see bench/README.md)')
  const batches = groupTransactions(trace, TARGET_UPDATES)
  process.once('SIGINT', () => process.exit(130))

  const starters: [string, () => Promise<Target>][] = [
    ...TANDEM_MODES.map((mode): [string, () => Promise<Target>] => [`Tandem ${mode}`, () => startTandem(mode)]),
    ...PEER_KINDS.map((kind): [string, () => Promise<Target>] => [kind, () => startPeerServer(kind)]),
  ]
  console.log(`Side by side · ${new Date().toISOString()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`)
  console.log(`trace replay, ${batches.length} updates, ${rounds} rounds; load average at start ${loadavg()[0]!.toFixed(2)}\n`)
  const results = new Map<string, Figures[]>()
  for (let r = 1; r <= rounds; r++) {
    for (const [name, start] of starters) {
      const figures = await measure(await start(), batches, trace.endContent)
      results.set(name, [...(results.get(name) ?? []), figures])
      console.log(`  round ${r} · ${name}: replay ${round(figures.replayMs)} ms, relay p50 ${round(figures.relayP50Ms)} ms`)
    }
  }

  const medians = new Map(
    [...results].map(([name, runs]) => [
      name,
      Object.fromEntries(FIGURES.map(({ key }) => [key, median(runs.map((run) => run[key]))])) as unknown as Figures,
    ]),
  )
  const peers = [...PEER_KINDS]
  const rows = [['figure (median)', ...medians.keys(), ...TANDEM_MODES.map((mode) => `${mode} / best peer`)]]
  for (const { key, label } of FIGURES) {
    const best = Math.min(...peers.map((peer) => medians.get(peer)![key]))
    rows.push([
      label,
      ...[...medians.values()].map((figures) => round(figures[key])),
      ...TANDEM_MODES.map((mode) => round(medians.get(`Tandem ${mode}`)![key] / best)),
    ])
  }
  console.log(`\n${formatTable(rows, '  ')}\n`)
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds, updates: batches.length, runs: Object.fromEntries(results), medians: Object.fromEntries(medians) }, null, 2)}\n`,
    )
    console.log(`  figures written to ${values.json}`)
  }
}

await main()
process.exit(0)
