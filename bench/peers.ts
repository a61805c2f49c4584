/**
 * Side by side: the same workload against Tandem and its peers, each server in its own process, in
 * alternating rounds so that a busy moment of the machine hurts everyone alike; prints medians and
 * Tandem / best-peer ratios (below 1: Tandem is ahead).
 *
 * Each round, on each server, in this order: its idle memory once started; the automerge-paper trace
 * replay of `collab-trace` (A sends ≈20,000 updates through one room to B; every 100th is sent into
 * a drained pipeline and timed); 20 writers typing in another room (`support/writers-workload.ts`);
 * 200 clients joining the writers' room at once; then a clean stop, the bytes left on disk, a restart
 * on them and a cold load of the document by a new client; then, on the restarted server (a fresh one
 * for a peer that stores nothing), one writer and 199 raw receivers in a third room
 * (`support/fanout-workload.ts`), and 1,000 raw clients joining 500 new rooms at once. Peers: the
 * y-websocket reference server in memory and with y-leveldb, and Hocuspocus with SQLite
 * (`support/peer-server.ts`).
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npx tsx bench/peers.ts            # 3 rounds
 * npx tsx bench/peers.ts --rounds 5 --json docs/bench/peers.json --svg docs/bench/peers.svg
 * npx tsx bench/peers.ts --from docs/bench/peers.json --svg docs/bench/peers.svg   # redraw, no run
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

import { replay, TARGET_UPDATES } from './collab-trace.js'
import { BenchServer, type DurabilityMode } from './support/bench-server.js'
import { CollabClient, type CollabProtocol } from './support/collab-client.js'
import { heapPerConnectionKiB } from './support/connection-heap.js'
import { summarize } from './support/distribution.js'
import { groupTransactions, loadEditingTrace, type Patch } from './support/editing-trace.js'
import { fanoutWorkload } from './support/fanout-workload.js'
import { formatTable } from './support/format-table.js'
import { probeFsync } from './support/fsync-probe.js'
import { isDurablePeer, PEER_KINDS, type PeerKind, startPeerServer } from './support/peer-server.js'
import { readProcessCpuMs } from './support/process-cpu.js'
import { readProcessMemory } from './support/process-memory.js'
import { ratioChartSvg, type RatioRow } from './support/ratio-chart.js'
import { RawReceiver } from './support/raw-receiver.js'
import { formatFigure, medianOf } from './support/rounds.js'
import { TempDir } from './support/temp-dir.js'
import { writersWorkload } from './support/writers-workload.js'

/** A server under test, whatever it is. */
interface Target {
  wsUrl: string
  protocol: CollabProtocol
  pid: number
  /** SIGTERM and wait for the exit; its data directory stays. */
  stop(): Promise<void>
}

/** A server to measure: how to start it on a data directory, and whether it keeps documents across a restart. */
interface Contender {
  name: string
  start(dataDir: string): Promise<Target>
  durable: boolean
}

/** One round's figures for one server. */
interface Figures {
  /** Resident memory once started and idle, MiB. */
  idleRssMiB: number
  /** 20 writers, 50 one-character edits each at 20 per second: edit → observer, ms. */
  writersP50Ms: number
  writersP99Ms: number
  replayMs: number
  /** Server CPU (user + system) per update, ms. */
  cpuMsPerUpdate: number
  relayP50Ms: number
  relayP99Ms: number
  /** 1 writer + 199 raw receivers in one room: edit → first and last receiver, ms. */
  fanoutFirstP50Ms: number
  fanoutLastP50Ms: number
  fanoutLastP99Ms: number
  /** {@link HEAP_CONNECTIONS} raw clients in one room, each with an awareness entry: JS heap each adds, after GC, KiB. */
  heapPerConnectionKiB: number
  /** 1,000 raw clients joining 500 new rooms (two each) at once: until the last is synced, ms. */
  roomsJoinMs: number
  /** 200 clients joining the writers' room at once, after they left: until the last is synced, ms. */
  joinMs: number
  /** The share of those clients that held the room's whole text at "synced" (1 = all). */
  joinersCompleteAtSync: number
  /** Everything in the data directory after a clean stop, KiB (NaN for a server that stores nothing). */
  diskKiB: number
  /** After a restart on that directory: a new client until synced, ms (NaN when nothing is stored). */
  coldLoadMs: number
  /** 1 when that client held the whole document at "synced", else 0. */
  coldCompleteAtSync: number
}

const FIGURES: { key: keyof Figures; label: string }[] = [
  { key: 'writersP50Ms', label: '20 writers: edit → observer p50, ms' },
  { key: 'writersP99Ms', label: '20 writers: edit → observer p99, ms' },
  { key: 'replayMs', label: 'trace replay until B has it all, ms' },
  { key: 'cpuMsPerUpdate', label: 'server CPU per update, ms' },
  { key: 'relayP50Ms', label: 'relay A → B p50, ms' },
  { key: 'relayP99Ms', label: 'relay A → B p99, ms' },
  { key: 'fanoutFirstP50Ms', label: '1 writer → 199 receivers: first p50, ms' },
  { key: 'fanoutLastP50Ms', label: '1 writer → 199 receivers: last p50, ms' },
  { key: 'fanoutLastP99Ms', label: '1 writer → 199 receivers: last p99, ms' },
  { key: 'heapPerConnectionKiB', label: 'JS heap per connection after GC, KiB' },
  { key: 'roomsJoinMs', label: 'join of 1,000 clients in 500 new rooms, ms' },
  { key: 'joinMs', label: 'join of 200 clients at once, ms' },
  { key: 'joinersCompleteAtSync', label: 'joiners with all content at synced (1 = all)' },
  { key: 'idleRssMiB', label: 'RSS idle after start, MiB' },
  { key: 'diskKiB', label: 'bytes on disk after the run, KiB' },
  { key: 'coldLoadMs', label: 'cold load after restart until synced, ms' },
  { key: 'coldCompleteAtSync', label: 'content complete at synced (1 = yes)' },
]

/**
 * A time counts only where the content was complete: a server that answers "synced" before it has
 * loaded the document is fast at handing out nothing.
 */
const VALID_WHEN: Partial<Record<keyof Figures, (figures: Figures) => boolean>> = {
  joinMs: (figures) => figures.joinersCompleteAtSync === 1,
  coldLoadMs: (figures) => figures.coldCompleteAtSync === 1,
}

/** Figures where more is better; the ratio is still Tandem / best peer, best being the highest. */
const HIGHER_IS_BETTER = new Set<keyof Figures>(['coldCompleteAtSync', 'joinersCompleteAtSync'])

const TANDEM_MODES: DurabilityMode[] = ['crash-safe', 'power-safe']

/** The first workload: 20 writers × 50 edits at 20 edits per second each, in one room. */
const WRITERS = { writers: 20, edits: 50, intervalMs: 50 }
const JOINERS = 200
/** The fan-out workload: one writer and 199 raw receivers, 50 timed edits. */
const FANOUT = { receivers: 199, edits: 50, gapMs: 20 }
const FANOUT_ROOM = 'peers-fanout'
/** The many-rooms workload: 500 rooms, two clients each, all joining at once. */
const MANY_ROOMS = { rooms: 500, perRoom: 2 }
/** Connections whose heap is measured, in one room. */
const HEAP_CONNECTIONS = 500
const TRACE_ROOM = 'peers-trace'
const WRITERS_ROOM = 'peers-writers'
/** Time for a freshly started server to settle before its memory is read. */
const SETTLE_MS = 1000

function tandem(durability: DurabilityMode): Contender {
  return {
    name: `Tandem ${durability}`,
    durable: true,
    async start(dataDir) {
      const server = await BenchServer.start({ dataDir, durability })
      return {
        wsUrl: server.wsUrl,
        protocol: 'y-websocket',
        pid: server.pid,
        async stop() {
          const exit = await server.stop()
          if (exit.code !== 0) throw new Error(`Tandem (${durability}) exited with code ${exit.code}`)
        },
      }
    },
  }
}

function peer(kind: PeerKind): Contender {
  return { name: kind, durable: isDurablePeer(kind), start: (dataDir) => startPeerServer(kind, dataDir) }
}

async function rssOf(pid: number): Promise<number> {
  const memory = await readProcessMemory(pid)
  return memory ? memory.rssBytes : Number.NaN
}

/** Bytes of every file under `dir`. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/**
 * Connect `count` clients to `room` at once; resolves when the last is synced, with the time that
 * took and, per client, what its text was at "synced" (a server that answers before it has loaded
 * the document hands out less than there is).
 */
async function joinAll(
  target: Target,
  room: string,
  count: number,
): Promise<{ clients: CollabClient[]; ms: number; complete: ((text: string) => boolean)[] }> {
  const started = performance.now()
  const joins = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const client = await CollabClient.connect(target.wsUrl, room, 60_000, target.protocol)
      const atSync = client.text.toString()
      return { client, atSync }
    }),
  )
  const ms = performance.now() - started
  const joined = joins.flatMap((join) => (join.status === 'fulfilled' ? [join.value] : []))
  const failed = joins.find((join) => join.status === 'rejected')
  if (failed) {
    for (const { client } of joined) client.destroy()
    throw failed.reason
  }
  return {
    clients: joined.map(({ client }) => client),
    ms,
    complete: joined.map(
      ({ atSync }) =>
        (text: string) =>
          atSync === text,
    ),
  }
}

/** {@link MANY_ROOMS}: raw clients, so that 1,000 of them do not measure this process; all are closed after. */
async function joinManyRooms(target: Target): Promise<number> {
  const started = performance.now()
  const joins = await Promise.allSettled(
    Array.from({ length: MANY_ROOMS.rooms * MANY_ROOMS.perRoom }, (_, n) =>
      RawReceiver.connect(target.wsUrl, `peers-many-${n % MANY_ROOMS.rooms}`, target.protocol, 60_000),
    ),
  )
  const ms = performance.now() - started
  for (const join of joins) if (join.status === 'fulfilled') join.value.close()
  const failed = joins.find((join) => join.status === 'rejected')
  if (failed) throw failed.reason
  return ms
}

/** The figures of {@link measureRooms}. */
type RoomFigures = Pick<Figures, 'fanoutFirstP50Ms' | 'fanoutLastP50Ms' | 'fanoutLastP99Ms' | 'heapPerConnectionKiB' | 'roomsJoinMs'>

/**
 * Fan-out to raw receivers, the heap a connection costs, and many rooms joined at once. (RSS per
 * connection is `scale.ts`'s, on 10,000: the difference a few hundred make to RSS is lost in the
 * allocator's noise.)
 */
async function measureRooms(target: Target): Promise<RoomFigures> {
  const fanout = await fanoutWorkload(target.wsUrl, FANOUT_ROOM, FANOUT, target.protocol)
  return {
    heapPerConnectionKiB: await heapPerConnectionKiB(target, 'peers-heap', HEAP_CONNECTIONS),
    fanoutFirstP50Ms: fanout.firstP50Ms,
    fanoutLastP50Ms: fanout.lastP50Ms,
    fanoutLastP99Ms: fanout.lastP99Ms,
    roomsJoinMs: await joinManyRooms(target),
  }
}

async function measure(contender: Contender, batches: readonly Patch[][], endContent: string): Promise<Figures> {
  const dataDir = new TempDir('tandem-bench-peers')
  try {
    const target = await contender.start(dataDir.path)
    let figures: Omit<Figures, 'diskKiB' | 'coldLoadMs' | 'coldCompleteAtSync' | keyof RoomFigures>
    try {
      await sleep(SETTLE_MS)
      const idleRss = await rssOf(target.pid)
      const writer = await CollabClient.connect(target.wsUrl, TRACE_ROOM, undefined, target.protocol)
      const reader = await CollabClient.connect(target.wsUrl, TRACE_ROOM, undefined, target.protocol)
      let replayed: Awaited<ReturnType<typeof replay>>
      let cpuMsPerUpdate: number
      try {
        const cpuBefore = await readProcessCpuMs(target.pid)
        replayed = await replay(writer, reader, batches)
        const cpuAfter = await readProcessCpuMs(target.pid)
        cpuMsPerUpdate = cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / batches.length
        if (reader.text.toString() !== endContent) throw new Error('B’s text differs from the trace’s end content')
      } finally {
        writer.destroy()
        reader.destroy()
      }
      const relay = summarize(replayed.relayLatencies)
      const writers = await writersWorkload(target.wsUrl, WRITERS_ROOM, WRITERS, target.protocol)
      // A small document (1,000 characters), so the 200 clients' own work in this process stays small.
      const joined = await joinAll(target, WRITERS_ROOM, JOINERS)
      let joinersCompleteAtSync: number
      try {
        joinersCompleteAtSync = joined.complete.filter((complete) => complete(writers.text)).length / JOINERS
      } finally {
        for (const client of joined.clients) client.destroy()
      }
      figures = {
        idleRssMiB: idleRss / 2 ** 20,
        writersP50Ms: writers.p50Ms,
        writersP99Ms: writers.p99Ms,
        replayMs: replayed.replayMs,
        cpuMsPerUpdate,
        relayP50Ms: relay.p50,
        relayP99Ms: relay.p99,
        joinMs: joined.ms,
        joinersCompleteAtSync,
      }
    } finally {
      await target.stop()
    }
    // The bytes on disk are the documents': measured before the room workloads, whose join and leave
    // events Tandem keeps as channel history and the peers do not.
    const diskKiB = contender.durable ? (await bytesUnder(dataDir.path)) / 1024 : Number.NaN
    const restarted = await contender.start(dataDir.path)
    try {
      let cold = { coldLoadMs: Number.NaN, coldCompleteAtSync: Number.NaN }
      if (contender.durable) {
        const started = performance.now()
        const client = await CollabClient.connect(restarted.wsUrl, TRACE_ROOM, 60_000, restarted.protocol)
        cold = { coldLoadMs: performance.now() - started, coldCompleteAtSync: client.text.toString() === endContent ? 1 : 0 }
        client.destroy()
      }
      return { ...figures, diskKiB, ...cold, ...(await measureRooms(restarted)) }
    } finally {
      await restarted.stop()
    }
  } finally {
    dataDir.remove()
  }
}

/** A finished run: every round's figures per server, and where it ran. */
interface Run {
  at: string
  machine: string
  node: string
  rounds: number
  updates: number
  /** fsync of a 4 KiB append on the servers' disk, ms (absent in runs made before it was measured). */
  fsync?: { p50: number; p99: number }
  runs: Record<string, Figures[]>
}

async function measureAll(rounds: number): Promise<Run> {
  const trace = await loadEditingTrace()
  if (!trace) throw new Error('the automerge-paper trace is missing (see bench/README.md)')
  const batches = groupTransactions(trace, TARGET_UPDATES)
  const contenders = [...TANDEM_MODES.map(tandem), ...PEER_KINDS.map(peer)]
  const run: Run = {
    at: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`,
    node: process.version,
    rounds,
    updates: batches.length,
    fsync: probeFsync(),
    runs: {},
  }
  console.log(`Side by side · ${run.at} · Node ${run.node} · ${run.machine}`)
  console.log(`trace replay, ${batches.length} updates, ${rounds} rounds; load average at start ${loadavg()[0]!.toFixed(2)}\n`)
  for (let r = 1; r <= rounds; r++) {
    for (const contender of contenders) {
      const figures = await measure(contender, batches, trace.endContent)
      run.runs[contender.name] = [...(run.runs[contender.name] ?? []), figures]
      console.log(
        `  round ${r} · ${contender.name}: replay ${formatFigure(figures.replayMs)} ms, relay p50 ${formatFigure(figures.relayP50Ms)} ms, join ${formatFigure(figures.joinMs)} ms`,
      )
    }
  }
  return run
}

/** A run written by `--json`, its unmeasured figures (`null` in JSON) back to NaN. */
function readRun(path: string): Run {
  return JSON.parse(readFileSync(path, 'utf8'), (_key, value: unknown) => (value === null ? Number.NaN : value)) as Run
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, json: { type: 'string' }, svg: { type: 'string' }, from: { type: 'string' } },
  })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds must be an integer from 1 to 50')
  process.once('SIGINT', () => process.exit(130))
  // `npm run bench:peers -- --json docs/…` runs in bench/: paths are the caller's, where npm was started.
  const here = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path)
  const run = values.from ? readRun(here(values.from)) : await measureAll(rounds)

  const medians = new Map(
    Object.entries(run.runs).map(([name, runs]) => [
      name,
      Object.fromEntries(FIGURES.map(({ key }) => [key, medianOf(runs.map((figures) => figures[key]))])) as unknown as Figures,
    ]),
  )
  const ratios: RatioRow[] = FIGURES.map(({ key, label }) => {
    const valid = VALID_WHEN[key] ?? (() => true)
    const measured = PEER_KINDS.map((name) => medians.get(name)!)
      .filter((figures) => valid(figures) && !Number.isNaN(figures[key]))
      .map((figures) => figures[key])
    const best = measured.length === 0 ? Number.NaN : HIGHER_IS_BETTER.has(key) ? Math.max(...measured) : Math.min(...measured)
    return { label, ratios: Object.fromEntries(TANDEM_MODES.map((mode) => [mode, medians.get(`Tandem ${mode}`)![key] / best])) }
  })
  const rows = [['figure (median)', ...medians.keys(), ...TANDEM_MODES.map((mode) => `${mode} / best peer`)]]
  FIGURES.forEach(({ key, label }, index) => {
    rows.push([
      label,
      ...[...medians.values()].map((figures) => formatFigure(figures[key])),
      ...TANDEM_MODES.map((mode) => formatFigure(ratios[index]!.ratios[mode]!)),
    ])
  })
  console.log(`\n${formatTable(rows, '  ')}\n`)
  const crashSafe = medians.get('Tandem crash-safe')
  const powerSafe = medians.get('Tandem power-safe')
  if (run.fsync && crashSafe && powerSafe) {
    // Power-safe mode's target: what waiting for the disk adds stays within one fsync and half a ms.
    const added = powerSafe.writersP50Ms - crashSafe.writersP50Ms
    console.log(
      `  fsync on this disk p50 ${formatFigure(run.fsync.p50)} ms, p99 ${formatFigure(run.fsync.p99)} ms; power-safe adds ${formatFigure(added)} ms to the writers' p50 (target ≤ fsync p50 + 0.5 = ${formatFigure(run.fsync.p50 + 0.5)} ms)\n`,
    )
  }
  if (values.svg) {
    const svg = ratioChartSvg(ratios, {
      title: 'Tandem against its peers, same machine, same run',
      subtitle: `medians of ${run.rounds} rounds · ${run.machine} · Node ${run.node} · ${run.at.slice(0, 10)}`,
      series: [
        { name: 'crash-safe', color: '#2f6fdf' },
        { name: 'power-safe', color: '#e08a1e' },
      ],
      target: { ratio: 0.8, label: 'target 0.8' },
    })
    writeFileSync(here(values.svg), svg)
    console.log(`  chart written to ${values.svg}`)
  }
  if (values.json && !values.from) {
    writeFileSync(here(values.json), `${JSON.stringify({ ...run, medians: Object.fromEntries(medians) }, null, 2)}\n`)
    console.log(`  figures written to ${values.json}`)
  }
}

await main()
process.exit(0)
