/**
 * One node, many connections: 1,000 rooms × 10 connections (one writer, nine receivers each), every
 * writer making one edit per second for 30 s. Clients are raw (`support/raw-receiver.ts`): a writer
 * keeps a small Y.Doc of its own to make real Yjs updates, receivers keep none, so 10,000 of them fit
 * in this process. Each edit is timed from just before it is sent to each of its room's nine
 * receivers; every delivery must arrive. Prints the server's memory idle, with everyone connected
 * and after the edits, the memory each connection adds, and that extrapolated to 100,000.
 *
 * @example
 * npx turbo run build --filter=@tandem/server && npm run bench:scale
 * npx tsx bench/scale.ts --rooms 200 --seconds 10          # a smaller run
 * npx tsx bench/scale.ts --json docs/bench/scale.json
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

import * as Y from 'yjs'

import { BenchServer, type DurabilityMode } from './support/bench-server.js'
import { summarize } from './support/distribution.js'
import { readProcessCpuMs } from './support/process-cpu.js'
import { readProcessMemory } from './support/process-memory.js'
import { RawReceiver } from './support/raw-receiver.js'
import { TempDir } from './support/temp-dir.js'

/** Connections opening at once. */
const CONNECT_BATCH = 250
/** The bar for edit latency at this scale. */
const TARGET_P99_MS = 50

interface Room {
  writer: RawReceiver
  doc: Y.Doc
  receivers: RawReceiver[]
  /** When the edit in flight was sent, and how many receivers still lack it. */
  sentAt: number
  waiting: number
}

const mib = (bytes: number): number => bytes / 2 ** 20

async function rssOf(pid: number): Promise<number> {
  const memory = await readProcessMemory(pid)
  if (!memory) throw new Error(`cannot read the memory of process ${pid}`)
  return memory.rssBytes
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rooms: { type: 'string', default: '1000' },
      'per-room': { type: 'string', default: '10' },
      seconds: { type: 'string', default: '30' },
      json: { type: 'string' },
    },
  })
  const roomCount = Number(values.rooms)
  const perRoom = Number(values['per-room'])
  const seconds = Number(values.seconds)
  if (![roomCount, perRoom, seconds].every((n) => Number.isInteger(n) && n > 0) || perRoom < 2) {
    throw new Error('--rooms, --per-room (at least 2) and --seconds must be positive integers')
  }
  const durability: DurabilityMode = process.env.DURABILITY === 'power-safe' ? 'power-safe' : 'crash-safe'
  const connections = roomCount * perRoom
  process.once('SIGINT', () => process.exit(130))
  console.log(`Scale · ${connections} connections in ${roomCount} rooms, 1 edit/s per room for ${seconds} s · DURABILITY=${durability}`)
  console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · Node ${process.version} · load average ${loadavg()[0]!.toFixed(2)}\n`)

  const dataDir = new TempDir('tandem-bench-scale')
  const server = await BenchServer.start({ dataDir: dataDir.path, durability })
  const rooms: Room[] = []
  try {
    await sleep(1000)
    const idleRss = await rssOf(server.pid)
    const connectStarted = performance.now()
    for (let start = 0; start < connections; start += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, connections - start) }, (_, offset) => start + offset)
      const joined = await Promise.all(batch.map((n) => RawReceiver.connect(server.wsUrl, `scale-${n % roomCount}`, 'y-websocket', 60_000)))
      joined.forEach((client, offset) => {
        const index = batch[offset]! % roomCount
        const room = (rooms[index] ??= { writer: client, doc: new Y.Doc(), receivers: [], sentAt: 0, waiting: 0 })
        if (room.writer !== client) room.receivers.push(client)
      })
    }
    const connectMs = performance.now() - connectStarted
    if (rooms.length !== roomCount || rooms.some((room) => room.receivers.length !== perRoom - 1)) throw new Error('a room did not fill')
    await sleep(2000)
    const connectedRss = await rssOf(server.pid)

    const latencies: number[] = []
    let late = 0
    for (const room of rooms) {
      for (const receiver of room.receivers) {
        receiver.onUpdate = () => {
          if (room.waiting === 0) return
          room.waiting--
          latencies.push(performance.now() - room.sentAt)
        }
      }
      room.doc.on('update', (update: Uint8Array) => room.writer.sendUpdate(update))
    }
    const cpuBefore = await readProcessCpuMs(server.pid)
    const editsStarted = performance.now()
    let edits = 0
    // Each room edits once a second, the rooms spread evenly over the second.
    for (let tick = 0; tick < seconds * roomCount; tick++) {
      const due = editsStarted + (tick * 1000) / roomCount
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const room = rooms[tick % roomCount]!
      if (room.waiting > 0) late += room.waiting
      room.waiting = room.receivers.length
      room.sentAt = performance.now()
      const text = room.doc.getText('t')
      text.insert(text.length, 'x')
      edits++
    }
    const deadline = performance.now() + 10_000
    while (rooms.some((room) => room.waiting > 0) && performance.now() < deadline) await sleep(10)
    const editMs = performance.now() - editsStarted
    const cpuAfter = await readProcessCpuMs(server.pid)
    const lost = rooms.reduce((sum, room) => sum + room.waiting, 0)
    if (lost + late > 0) throw new Error(`${lost + late} of ${edits * (perRoom - 1)} deliveries did not arrive in time`)
    const afterRss = await rssOf(server.pid)
    const latency = summarize(latencies)
    const perConnectionKiB = (connectedRss - idleRss) / connections / 1024
    const figures = {
      at: new Date().toISOString(),
      durability,
      connections,
      rooms: roomCount,
      edits,
      deliveries: latencies.length,
      connectMs,
      idleRssMiB: mib(idleRss),
      connectedRssMiB: mib(connectedRss),
      afterEditsRssMiB: mib(afterRss),
      rssPerConnectionKiB: perConnectionKiB,
      extrapolated100kMiB: mib(idleRss) + (perConnectionKiB * 100_000) / 1024,
      serverCpuPercent: cpuBefore === null || cpuAfter === null ? Number.NaN : ((cpuAfter - cpuBefore) / editMs) * 100,
      latencyP50Ms: latency.p50,
      latencyP99Ms: latency.p99,
      latencyMaxMs: latency.max,
    }
    const round = (n: number, digits = 1): string => n.toFixed(digits)
    console.log(`  connected ${connections} in ${round(connectMs / 1000, 2)} s`)
    console.log(
      `  server RSS: idle ${round(figures.idleRssMiB)} MiB, connected ${round(figures.connectedRssMiB)} MiB, after the edits ${round(figures.afterEditsRssMiB)} MiB`,
    )
    console.log(
      `  ${round(perConnectionKiB)} KiB per connection → ${round(figures.extrapolated100kMiB / 1024, 2)} GiB for 100,000 connections`,
    )
    console.log(`  ${edits} edits, ${latencies.length} deliveries, all arrived; server CPU ${round(figures.serverCpuPercent)}% of one core`)
    console.log(
      `  edit → receiver p50 ${round(latency.p50, 2)} ms, p99 ${round(latency.p99, 2)} ms, max ${round(latency.max, 1)} ms (target p99 ≤ ${TARGET_P99_MS} ms: ${latency.p99 <= TARGET_P99_MS ? 'met' : 'not met'})`,
    )
    for (const problem of server.problems) console.log(`  server log: ${problem}`)
    if (values.json) {
      writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), values.json), `${JSON.stringify(figures, null, 2)}\n`)
      console.log(`  figures written to ${values.json}`)
    }
  } finally {
    for (const room of rooms) {
      room.writer.close()
      for (const receiver of room.receivers) receiver.close()
    }
    await server.stop()
    dataDir.remove()
  }
}

await main()
process.exit(0)
