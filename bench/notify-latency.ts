/**
 * notify-latency: how long a published notification takes to reach WebSocket subscribers.
 * 100 `/api/events` sockets subscribe to one channel; 200 messages are published over HTTP one after
 * another; every (message, subscriber) delivery is timed from just before the publish request to the
 * moment the subscriber parsed the frame. Publisher and subscribers share this process and its
 * monotonic clock, so no clock sync is involved. Exactly 20,000 deliveries must arrive, each once.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { BENCH_PUBLISH_KEY, BenchServer } from './support/bench-server.js'
import type { Benchmark } from './support/benchmark.js'
import { type ChannelMessageFrame, ChannelSubscriber } from './support/channel-subscriber.js'
import { startCpuMeter } from './support/cpu-meter.js'
import { withDeadline } from './support/deadline.js'
import { summarize } from './support/distribution.js'
import { formatBytes, formatCount, formatMs } from './support/format-units.js'
import { Teardown } from './support/teardown.js'
import { TempDir } from './support/temp-dir.js'

const SUBSCRIBERS = 100
const MESSAGES = 200
const CHANNEL = 'bench'
/** Pause after each publish response: a steady stream, not a burst that would measure queueing. */
const PUBLISH_GAP_MS = 5
const SUBSCRIBE_TIMEOUT_MS = 15_000
const DELIVERY_TIMEOUT_MS = 10_000
/** After the last expected delivery, keep listening this long so late duplicates are caught too. */
const DUPLICATE_GRACE_MS = 250

interface BenchData {
  seq: number
  sentAt: number
}

function isBenchData(data: unknown): data is BenchData {
  const candidate = data as Partial<BenchData> | null
  return typeof candidate?.seq === 'number' && Number.isInteger(candidate.seq) && candidate.seq >= 0 && candidate.seq < MESSAGES
}

/** The notification latency benchmark. */
export const notifyLatency: Benchmark = {
  name: 'notify-latency',
  summary: `${SUBSCRIBERS} /api/events subscribers × ${MESSAGES} HTTP publishes (${PUBLISH_GAP_MS} ms apart): publish → frame parsed`,
  async run({ durability, progress }, report) {
    const teardown = new Teardown()
    try {
      const dataDir = new TempDir('tandem-bench-notify')
      teardown.defer('remove data dir', () => dataDir.remove())
      const server = await BenchServer.start({ dataDir: dataDir.path, durability })
      teardown.defer('stop server', async () => {
        const exit = await server.stop()
        if (exit.code !== 0) report.error(`server exited with code ${exit.code} (signal ${exit.signal})`)
        for (const problem of server.problems) report.note(`server log: ${problem}`)
      })

      // Every cell counts deliveries of one message to one subscriber: missing and duplicated are both errors.
      const deliveries = new Uint16Array(SUBSCRIBERS * MESSAGES)
      const publishStartedAt = new Float64Array(MESSAGES).fill(Number.NaN)
      const latencies: number[] = []
      const strays: string[] = []
      let delivered = 0
      let allDelivered: () => void = () => {}
      const everyDelivery = new Promise<void>((resolve) => (allDelivered = resolve))

      const onMessage = (subscriber: number) => (frame: ChannelMessageFrame, parsedAt: number) => {
        if (frame.channel !== CHANNEL || !isBenchData(frame.data)) {
          strays.push(JSON.stringify(frame).slice(0, 200))
          return
        }
        const { seq } = frame.data
        const cell = subscriber * MESSAGES + seq
        deliveries[cell]!++
        if (deliveries[cell] !== 1) return
        latencies.push(parsedAt - publishStartedAt[seq]!)
        if (++delivered === SUBSCRIBERS * MESSAGES) allDelivered()
      }

      const subscribeStarted = performance.now()
      const subscribers = await withDeadline(
        Promise.all(
          Array.from({ length: SUBSCRIBERS }, (_, index) =>
            ChannelSubscriber.connect(`${server.wsUrl}/api/events`, CHANNEL, onMessage(index)),
          ),
        ),
        SUBSCRIBE_TIMEOUT_MS,
        `${SUBSCRIBERS} subscriptions`,
      )
      teardown.defer('close subscribers', () => Promise.all(subscribers.map((subscriber) => subscriber.close())))
      const subscribeMs = performance.now() - subscribeStarted
      progress(`${SUBSCRIBERS} subscribers confirmed in ${formatMs(subscribeMs)}; publishing ${MESSAGES} messages`)

      const roundTrips: number[] = []
      const stopMeter = await startCpuMeter(server)
      for (let seq = 0; seq < MESSAGES; seq++) {
        const sentAt = performance.now()
        publishStartedAt[seq] = sentAt
        const response = await fetch(`${server.httpUrl}/api/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${BENCH_PUBLISH_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: CHANNEL, data: { seq, sentAt } satisfies BenchData }),
          signal: AbortSignal.timeout(5_000),
        })
        const body = (await response.json()) as { ids?: Record<string, unknown> }
        roundTrips.push(performance.now() - sentAt)
        if (response.status !== 200 || typeof body.ids?.[CHANNEL] !== 'number') {
          report.error(`publish #${seq} answered ${response.status} ${JSON.stringify(body).slice(0, 200)}`)
        }
        await sleep(PUBLISH_GAP_MS)
      }

      await withDeadline(everyDelivery, DELIVERY_TIMEOUT_MS, 'every delivery').catch(() => undefined)
      const cpu = await stopMeter()
      await sleep(DUPLICATE_GRACE_MS)

      let missing = 0
      let duplicated = 0
      for (const count of deliveries) {
        if (count === 0) missing++
        else duplicated += count - 1
      }
      const expected = SUBSCRIBERS * MESSAGES
      if (missing > 0) report.error(`${formatCount(missing)} of ${formatCount(expected)} deliveries never arrived`)
      if (duplicated > 0) report.error(`${formatCount(duplicated)} deliveries arrived more than once`)
      if (strays.length > 0) report.error(`${strays.length} unexpected message frames, first: ${strays[0]}`)
      for (const subscriber of subscribers) for (const problem of subscriber.problems) report.error(`subscriber: ${problem}`)

      report.metric('deliveries (unique / expected)', `${formatCount(delivered)} / ${formatCount(expected)}`, true)
      report.latency('publish → delivered', summarize(latencies), true)
      report.latency('HTTP publish round trip', summarize(roundTrips))
      report.cpu(`publish (stored + ${SUBSCRIBERS} deliveries)`, cpu, MESSAGES, true)
      report.metric(`time to open and subscribe ${SUBSCRIBERS} sockets`, formatMs(subscribeMs))
      const memory = await server.memory()
      if (memory) report.metric('server RSS at end (peak)', `${formatBytes(memory.rssBytes)} (${formatBytes(memory.peakRssBytes)})`)
      report.note(`latency runs from just before fetch() to JSON.parse of the frame, one clock (performance.now()) in one process`)
      report.note(`every publish is stored in SQLite (DURABILITY=${durability}) before it is dispatched`)
    } finally {
      for (const failure of await teardown.run()) report.error(failure)
    }
  },
}
