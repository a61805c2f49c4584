/**
 * Crowds, side by side with the peers: 200 writers typing in one room (each edit timed to a stock
 * observer), 500 clients announcing their cursors once a second in rooms of 50 (each entry timed to
 * every other member), 1,500 raw receivers of one room while a writer makes 30 edits (each timed to the first
 * and the last of them), and a join storm of 150 raw clients at once
 * on a room holding a 4 MB document (until the last has the whole document). Servers in their own
 * processes, alternating rounds, medians, Tandem / best-peer ratios; a join counts only where every
 * client got the whole document at "synced".
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npm run bench:storms -- --rounds 3 --json docs/bench/storms.json
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

import * as Y from 'yjs'

import { awarenessWorkload } from './support/awareness-workload.js'
import { BenchServer, type DurabilityMode } from './support/bench-server.js'
import { CollabClient, type CollabProtocol } from './support/collab-client.js'
import { summarize } from './support/distribution.js'
import { fanoutWorkload } from './support/fanout-workload.js'
import { formatTable } from './support/format-table.js'
import { PEER_KINDS, startPeerServer } from './support/peer-server.js'
import { readProcessCpuMs } from './support/process-cpu.js'
import { RawReceiver } from './support/raw-receiver.js'
import { formatFigure, medianOf } from './support/rounds.js'
import { TempDir } from './support/temp-dir.js'
import { timeEditsAt } from './support/writers-workload.js'

const OBSERVERS = { receivers: 1500, edits: 30, gapMs: 50 }
const STORM = { clients: 150, documentBytes: 4 * 2 ** 20, chunkBytes: 64 * 1024 }
/** The "200 concurrent writers in one room": each types one character a second, 10 times. */
const CROWD = { writers: 200, edits: 10, intervalMs: 1000 }
/**
 * The "awareness at 1 Hz from 500 clients", in rooms of 50: a large meeting's document each,
 * 25,000 deliveries a second in all (in one room of 500 it would be 250,000, which the load generator
 * sharing these two cores could not receive, let alone time).
 */
const PRESENCE = { clients: 500, roomSize: 50, beats: 10, intervalMs: 1000 }
const TANDEM_MODES: DurabilityMode[] = ['crash-safe', 'power-safe']

interface Figures {
  /** {@link CROWD}: each edit from just before it is sent to a stock observer's copy, ms. */
  writersP50Ms: number
  writersP99Ms: number
  /** {@link PRESENCE}: each entry from just before it is sent to each other member hearing it, ms. */
  awarenessP50Ms: number
  awarenessP99Ms: number
  /** Server CPU per awareness entry sent (all its deliveries included), µs. */
  awarenessCpuUs: number
  observersFirstP50Ms: number
  observersLastP50Ms: number
  observersLastP99Ms: number
  stormMs: number
  /** 1 when every client of the storm got the whole document at "synced". */
  stormComplete: number
}

const FIGURES: { key: keyof Figures; label: string }[] = [
  { key: 'writersP50Ms', label: '200 writers in one room: edit → observer p50, ms' },
  { key: 'writersP99Ms', label: '200 writers in one room: edit → observer p99, ms' },
  { key: 'awarenessP50Ms', label: 'awareness of 500 at 1 Hz, rooms of 50: entry → member p50, ms' },
  { key: 'awarenessP99Ms', label: 'awareness of 500 at 1 Hz, rooms of 50: entry → member p99, ms' },
  { key: 'awarenessCpuUs', label: 'awareness: server CPU per entry (49 deliveries), µs' },
  { key: 'observersFirstP50Ms', label: '1,500 observers: first p50, ms' },
  { key: 'observersLastP50Ms', label: '1,500 observers: last p50, ms' },
  { key: 'observersLastP99Ms', label: '1,500 observers: last p99, ms' },
  { key: 'stormMs', label: '150 joins at once on a 4 MB document, ms' },
  { key: 'stormComplete', label: 'storm: whole document at synced (1 = all)' },
]

interface Target {
  wsUrl: string
  protocol: CollabProtocol
  pid: number
  stop(): Promise<void>
}

const contenders: { name: string; start(dir: string): Promise<Target> }[] = [
  ...TANDEM_MODES.map((durability) => ({
    name: `Tandem ${durability}`,
    async start(dataDir: string): Promise<Target> {
      const server = await BenchServer.start({ dataDir, durability })
      return { wsUrl: server.wsUrl, protocol: 'y-websocket', pid: server.pid, stop: async () => void (await server.stop()) }
    },
  })),
  ...PEER_KINDS.map((kind) => ({ name: kind, start: (dataDir: string) => startPeerServer(kind, dataDir) })),
]

/**
 * {@link CROWD}: raw writers, each with a small Y.Doc of its own that makes its edits (it never needs
 * the others'), and one stock client that applies everything and recognises each edit by its
 * writer's clock (Yjs integrates one client's items in clock order).
 */
async function crowdOfWriters(target: Target): Promise<Pick<Figures, 'writersP50Ms' | 'writersP99Ms'>> {
  const room = 'storms-writers'
  const observer = await CollabClient.connect(target.wsUrl, room, 60_000, target.protocol)
  const writers: RawReceiver[] = []
  try {
    for (let start = 0; start < CROWD.writers; start += 50) {
      writers.push(
        ...(await Promise.all(Array.from({ length: 50 }, () => RawReceiver.connect(target.wsUrl, room, target.protocol, 60_000)))),
      )
    }
    const { sent, latencies } = timeEditsAt(observer)
    await Promise.all(
      writers.map(async (writer, index) => {
        const doc = new Y.Doc()
        doc.on('update', (update: Uint8Array) => writer.sendUpdate(update))
        const text = doc.getText('t')
        await sleep((CROWD.intervalMs * index) / CROWD.writers)
        for (let edit = 0; edit < CROWD.edits; edit++) {
          const sentAt = performance.now()
          text.insert(text.length, 'x')
          sent(doc.clientID, Y.getState(doc.store, doc.clientID), sentAt)
          await sleep(CROWD.intervalMs)
        }
      }),
    )
    const deadline = performance.now() + 30_000
    while (latencies.length < CROWD.writers * CROWD.edits && performance.now() < deadline) await sleep(10)
    const expected = CROWD.writers * CROWD.edits
    if (latencies.length < expected) throw new Error(`${expected - latencies.length} of the crowd's edits never reached the observer`)
    const distribution = summarize(latencies)
    return { writersP50Ms: distribution.p50, writersP99Ms: distribution.p99 }
  } finally {
    for (const writer of writers) writer.close()
    observer.destroy()
  }
}

/** Fill `room` with a document of {@link STORM}'s size, then let {@link STORM}'s clients join at once. */
async function joinStorm(target: Target): Promise<Pick<Figures, 'stormMs' | 'stormComplete'>> {
  const writer = await CollabClient.connect(target.wsUrl, 'storms-large', 60_000, target.protocol)
  try {
    const chunk = 'lorem ipsum '.repeat(Math.ceil(STORM.chunkBytes / 12)).slice(0, STORM.chunkBytes)
    for (let written = 0; written < STORM.documentBytes; written += STORM.chunkBytes) writer.text.insert(writer.text.length, chunk)
    // The server has it all once a newcomer syncs to its full size (the writer's updates may still be on the way).
    let fullBytes = 0
    const deadline = performance.now() + 60_000
    while (fullBytes < STORM.documentBytes) {
      if (performance.now() > deadline) throw new Error(`the server holds ${fullBytes} bytes of a ${STORM.documentBytes}-byte document`)
      const probe = await RawReceiver.connect(target.wsUrl, 'storms-large', target.protocol, 120_000)
      fullBytes = probe.syncedBytes
      probe.close()
      if (fullBytes < STORM.documentBytes) await sleep(200)
    }
    const started = performance.now()
    const joined = await Promise.all(
      Array.from({ length: STORM.clients }, () => RawReceiver.connect(target.wsUrl, 'storms-large', target.protocol, 120_000)),
    )
    const stormMs = performance.now() - started
    const complete = joined.every((client) => client.syncedBytes >= fullBytes)
    for (const client of joined) client.close()
    return { stormMs, stormComplete: complete ? 1 : 0 }
  } finally {
    writer.destroy()
  }
}

async function measure(contender: (typeof contenders)[number]): Promise<Figures> {
  const dataDir = new TempDir('tandem-bench-storms')
  const target = await contender.start(dataDir.path)
  try {
    const crowd = await crowdOfWriters(target)
    const presence = await awarenessWorkload(target.wsUrl, 'storms-presence', PRESENCE, target.protocol, () => readProcessCpuMs(target.pid))
    const observers = await fanoutWorkload(target.wsUrl, 'storms-observed', OBSERVERS, target.protocol)
    return {
      ...crowd,
      awarenessP50Ms: presence.p50Ms,
      awarenessP99Ms: presence.p99Ms,
      awarenessCpuUs: presence.cpuUsPerUpdate ?? Number.NaN,
      observersFirstP50Ms: observers.firstP50Ms,
      observersLastP50Ms: observers.lastP50Ms,
      observersLastP99Ms: observers.lastP99Ms,
      ...(await joinStorm(target)),
    }
  } finally {
    await target.stop()
    dataDir.remove()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, json: { type: 'string' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be an integer from 1 to 20')
  process.once('SIGINT', () => process.exit(130))
  const at = new Date().toISOString()
  console.log(
    `Storms · ${at} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · load average ${loadavg()[0]!.toFixed(2)}\n`,
  )
  const runs: Record<string, Figures[]> = {}
  for (let r = 1; r <= rounds; r++) {
    for (const contender of contenders) {
      const figures = await measure(contender)
      ;(runs[contender.name] ??= []).push(figures)
      console.log(
        `  round ${r} · ${contender.name}: last of 1,500 p50 ${formatFigure(figures.observersLastP50Ms)} ms, storm ${formatFigure(figures.stormMs)} ms`,
      )
    }
  }
  const medians = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      Object.fromEntries(FIGURES.map(({ key }) => [key, medianOf(list.map((figures) => figures[key]))])) as unknown as Figures,
    ]),
  )
  const best = (key: keyof Figures): number => {
    const measured = PEER_KINDS.map((kind) => medians[kind]!)
      .filter((figures) => key !== 'stormMs' || figures.stormComplete === 1)
      .map((figures) => figures[key])
    return key === 'stormComplete' ? Math.max(...measured) : Math.min(...measured)
  }
  const rows = [['figure (median)', ...Object.keys(medians), ...TANDEM_MODES.map((mode) => `${mode} / best peer`)]]
  for (const { key, label } of FIGURES) {
    rows.push([
      label,
      ...Object.values(medians).map((figures) => formatFigure(figures[key])),
      ...TANDEM_MODES.map((mode) => formatFigure(medians[`Tandem ${mode}`]![key] / best(key))),
    ])
  }
  console.log(`\n${formatTable(rows, '  ')}\n`)
  if (values.json) {
    writeFileSync(
      resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
      `${JSON.stringify({ at, rounds, runs, medians }, null, 2)}\n`,
    )
    console.log(`  figures written to ${values.json}`)
  }
}

await main()
process.exit(0)
