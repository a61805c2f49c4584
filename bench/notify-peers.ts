/**
 * Side by side for notifications: HTTP publish → every subscriber of one channel, Tandem (both
 * `DURABILITY` modes, storing every message before it is delivered) against a socket.io 4 server
 * that broadcasts a POSTed message to a room and stores nothing (`support/socketio-peer.ts`), the
 * classic backend-push setup. For 100 and 1,000 subscribers: 100 messages published one after
 * another (5 ms apart after each answer), each (message, subscriber) delivery timed from just before
 * the POST to the moment the subscriber parsed it, and the server's CPU per delivery. Every delivery
 * must arrive exactly once. Alternating rounds; medians; Tandem / socket.io ratios.
 *
 * @example
 * npm run bench:notify-peers -- --rounds 3 --json docs/bench/notify-peers.json
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { io, type Socket } from 'socket.io-client'

import { BENCH_PUBLISH_KEY, BenchServer, type DurabilityMode } from './support/bench-server.js'
import { ChannelSubscriber } from './support/channel-subscriber.js'
import { withDeadline } from './support/deadline.js'
import { summarize } from './support/distribution.js'
import { formatTable } from './support/format-table.js'
import { startPeerProcess } from './support/peer-server.js'
import { readProcessCpuMs } from './support/process-cpu.js'
import { formatFigure, medianOf } from './support/rounds.js'
import { TempDir } from './support/temp-dir.js'

const AUDIENCES = [100, 1000] as const
const MESSAGES = 100
const PUBLISH_GAP_MS = 5
const CHANNEL = 'bench'
const DELIVERY_TIMEOUT_MS = 20_000
const SOCKETIO_PEER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'socketio-peer.ts')

/** What one run measured. */
interface Figures {
  p50Ms: number
  p99Ms: number
  /** Server CPU (user + system) per delivery, µs. */
  cpuUsPerDelivery: number
}

/** A notification server, its subscribers and how to publish to them. */
interface Audience {
  pid: number
  publish(data: { seq: number }): Promise<void>
  close(): Promise<void>
}

type OnMessage = (seq: number, at: number) => void

/** POST `body` as JSON; resolves once the answer is read, throws unless it is a success. */
async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}`)
  await response.arrayBuffer()
}

/** Subscribe `count` raw `/api/events` sockets of a Tandem server to the channel. */
async function tandemAudience(durability: DurabilityMode, count: number, onMessage: OnMessage): Promise<Audience> {
  const dataDir = new TempDir('tandem-bench-notify-peers')
  const server = await BenchServer.start({ dataDir: dataDir.path, durability })
  const subscribers: ChannelSubscriber[] = []
  const close = async (): Promise<void> => {
    await Promise.all(subscribers.map((subscriber) => subscriber.close()))
    await server.stop()
    dataDir.remove()
  }
  try {
    for (let i = 0; i < count; i += 100) {
      subscribers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, count - i) }, () =>
            ChannelSubscriber.connect(`${server.wsUrl}/api/events`, CHANNEL, (frame, at) =>
              onMessage((frame.data as { seq: number }).seq, at),
            ),
          ),
        )),
      )
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    pid: server.pid,
    publish: (data) =>
      postJson(`${server.httpUrl}/api/publish`, { channels: [CHANNEL], data }, { authorization: `Bearer ${BENCH_PUBLISH_KEY}` }),
    close,
  }
}

/** Join `count` socket.io clients (WebSocket transport) to the room of a socket.io peer. */
async function socketIoAudience(count: number, onMessage: OnMessage): Promise<Audience> {
  const peer = await startPeerProcess('socket.io', ['--import', 'tsx', SOCKETIO_PEER], {})
  const url = `http://127.0.0.1:${peer.port}`
  const clients: Socket[] = []
  const close = async (): Promise<void> => {
    for (const client of clients) client.disconnect()
    await peer.stop()
  }
  try {
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, () => {
        const client = io(url, { transports: ['websocket'], reconnection: false, forceNew: true })
        clients.push(client)
        client.on('message', (data: { seq: number }) => onMessage(data.seq, performance.now()))
        return withDeadline(
          new Promise<void>((joined) => client.emit('join', CHANNEL, () => joined())),
          10_000,
          'a socket.io client to join',
        )
      })
      await Promise.all(batch)
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    pid: peer.pid,
    publish: (data) => postJson(`${url}/publish`, { room: CHANNEL, data }),
    close,
  }
}

type Contender = { name: string; audience: (count: number, onMessage: OnMessage) => Promise<Audience> }

const CONTENDERS: Contender[] = [
  ...(['crash-safe', 'power-safe'] as const).map((mode) => ({
    name: `Tandem ${mode}`,
    audience: (count: number, on: OnMessage) => tandemAudience(mode, count, on),
  })),
  { name: 'socket.io', audience: socketIoAudience },
]

async function measure(contender: Contender, count: number): Promise<Figures> {
  const sentAt = new Float64Array(MESSAGES).fill(Number.NaN)
  const deliveries = new Uint16Array(MESSAGES)
  const latencies: number[] = []
  let problems = 0
  const audience = await contender.audience(count, (seq, at) => {
    if (!(seq >= 0 && seq < MESSAGES) || Number.isNaN(sentAt[seq]!)) return void problems++
    deliveries[seq]!++
    latencies.push(at - sentAt[seq]!)
  })
  try {
    await sleep(500)
    const cpuBefore = await readProcessCpuMs(audience.pid)
    for (let seq = 0; seq < MESSAGES; seq++) {
      sentAt[seq] = performance.now()
      await audience.publish({ seq })
      await sleep(PUBLISH_GAP_MS)
    }
    const deadline = performance.now() + DELIVERY_TIMEOUT_MS
    while (latencies.length < MESSAGES * count && performance.now() < deadline) await sleep(20)
    const cpuAfter = await readProcessCpuMs(audience.pid)
    await sleep(200)
    if (latencies.length !== MESSAGES * count || problems > 0 || deliveries.some((n) => n !== count)) {
      throw new Error(`${contender.name}: ${latencies.length} of ${MESSAGES * count} deliveries, ${problems} strays`)
    }
    const distribution = summarize(latencies)
    return {
      p50Ms: distribution.p50,
      p99Ms: distribution.p99,
      cpuUsPerDelivery: cpuBefore === null || cpuAfter === null ? Number.NaN : ((cpuAfter - cpuBefore) * 1000) / (MESSAGES * count),
    }
  } finally {
    await audience.close()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, json: { type: 'string' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds must be an integer from 1 to 50')
  process.once('SIGINT', () => process.exit(130))
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`
  console.log(`Notifications side by side · ${new Date().toISOString()} · Node ${process.version} · ${machine}`)
  console.log(
    `${MESSAGES} publishes to ${AUDIENCES.join(' and ')} subscribers, ${rounds} rounds; load average ${loadavg()[0]!.toFixed(2)}\n`,
  )
  const runs: Record<string, Figures[]> = {}
  for (let r = 1; r <= rounds; r++) {
    for (const count of AUDIENCES) {
      for (const contender of CONTENDERS) {
        const figures = await measure(contender, count)
        ;(runs[`${contender.name} · ${count}`] ??= []).push(figures)
        console.log(
          `  round ${r} · ${count} · ${contender.name}: p50 ${formatFigure(figures.p50Ms)} ms, p99 ${formatFigure(figures.p99Ms)} ms, ${formatFigure(figures.cpuUsPerDelivery)} µs CPU per delivery`,
        )
      }
    }
  }
  const medians = Object.fromEntries(
    Object.entries(runs).map(([key, list]) => [
      key,
      {
        p50Ms: medianOf(list.map((f) => f.p50Ms)),
        p99Ms: medianOf(list.map((f) => f.p99Ms)),
        cpuUsPerDelivery: medianOf(list.map((f) => f.cpuUsPerDelivery)),
      },
    ]),
  ) as Record<string, Figures>
  const rows = [
    ['subscribers · server (median)', 'p50 ms', 'p99 ms', 'CPU µs / delivery', 'p50 / socket.io', 'p99 / socket.io', 'CPU / socket.io'],
  ]
  for (const count of AUDIENCES) {
    const peer = medians[`socket.io · ${count}`]!
    for (const contender of CONTENDERS) {
      const figures = medians[`${contender.name} · ${count}`]!
      rows.push([
        `${count} · ${contender.name}`,
        formatFigure(figures.p50Ms),
        formatFigure(figures.p99Ms),
        formatFigure(figures.cpuUsPerDelivery),
        formatFigure(figures.p50Ms / peer.p50Ms),
        formatFigure(figures.p99Ms / peer.p99Ms),
        formatFigure(figures.cpuUsPerDelivery / peer.cpuUsPerDelivery),
      ])
    }
  }
  console.log(`\n${formatTable(rows, '  ')}\n`)
  if (values.json) {
    const path = resolve(process.env.INIT_CWD ?? process.cwd(), values.json)
    writeFileSync(
      path,
      `${JSON.stringify({ at: new Date().toISOString(), machine, node: process.version, rounds, messages: MESSAGES, runs, medians }, null, 2)}\n`,
    )
    console.log(`  figures written to ${values.json}`)
  }
}

await main()
process.exit(0)
