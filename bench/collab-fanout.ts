/**
 * collab-fanout: one writer and 50 readers in one room. The writer inserts 500 single characters,
 * one every 5 ms; each edit is timed from just before the insert to the moment each reader's doc
 * applied it, and every reader must end with the writer's exact text.
 *
 * A reader has applied edit k once its state-vector entry for the writer reaches the writer's clock
 * after edit k: Yjs integrates one client's items in clock order, and each one-character insert
 * advances that clock by exactly one.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { BenchServer } from './support/bench-server.js'
import type { Benchmark } from './support/benchmark.js'
import { CollabClient } from './support/collab-client.js'
import { startCpuMeter } from './support/cpu-meter.js'
import { withDeadline } from './support/deadline.js'
import { summarize } from './support/distribution.js'
import { formatBytes, formatCount, formatMs } from './support/format-units.js'
import { Teardown } from './support/teardown.js'
import { TempDir } from './support/temp-dir.js'

const READERS = 50
const EDITS = 500
const ROOM = 'fanout'
/**
 * One edit per 5 ms (200/s, far above anyone's typing) keeps the server busy while leaving time for
 * 50 readers in this process to apply each edit, so the figure is delivery latency, not our backlog.
 */
const EDIT_GAP_MS = 5
const CONNECT_TIMEOUT_MS = 30_000
const DELIVERY_TIMEOUT_MS = 15_000
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz'

/** The fan-out benchmark. */
export const collabFanout: Benchmark = {
  name: 'collab-fanout',
  summary: `1 writer + ${READERS} readers in one room, ${EDITS} one-character edits ${EDIT_GAP_MS} ms apart`,
  async run({ durability, progress }, report) {
    const teardown = new Teardown()
    try {
      const dataDir = new TempDir('tandem-bench-fanout')
      teardown.defer('remove data dir', () => dataDir.remove())
      const server = await BenchServer.start({ dataDir: dataDir.path, durability })
      teardown.defer('stop server', async () => {
        const exit = await server.stop()
        if (exit.code !== 0) report.error(`server exited with code ${exit.code} (signal ${exit.signal})`)
        for (const problem of server.problems) report.note(`server log: ${problem}`)
      })

      const connectStarted = performance.now()
      const writer = await CollabClient.connect(server.wsUrl, ROOM)
      teardown.defer('destroy writer', () => writer.destroy())
      const settled = await Promise.allSettled(
        Array.from({ length: READERS }, () => CollabClient.connect(server.wsUrl, ROOM, CONNECT_TIMEOUT_MS)),
      )
      const readers = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      teardown.defer('destroy readers', () => readers.forEach((reader) => reader.destroy()))
      const refused = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
      if (refused) throw new Error(`${READERS - readers.length} readers did not sync: ${String(refused.reason)}`)
      const connectMs = performance.now() - connectStarted
      progress(`writer and ${READERS} readers synced in ${formatMs(connectMs)}; sending ${EDITS} edits`)

      const a = writer.clientId
      const sentAt = new Float64Array(EDITS)
      const clockAfter = new Float64Array(EDITS)
      const arrivedAt = new Float64Array(READERS * EDITS).fill(Number.NaN)
      let sent = 0
      let readersDone = 0
      let allDone: () => void = () => {}
      const everyDelivery = new Promise<void>((resolve) => (allDone = resolve))

      readers.forEach((reader, r) => {
        let next = 0
        const onUpdate = (): void => {
          if (next === EDITS) return
          const at = performance.now()
          const clock = reader.clockOf(a)
          while (next < sent && clockAfter[next]! <= clock) arrivedAt[r * EDITS + next++] = at
          if (next === EDITS && ++readersDone === READERS) allDone()
        }
        reader.doc.on('update', onUpdate)
        teardown.defer('stop watching a reader', () => reader.doc.off('update', onUpdate))
      })

      const stopMeter = await startCpuMeter(server)
      for (let k = 0; k < EDITS; k++) {
        // A spread of positions, the same on every run, so edits land in the middle as well as at the end.
        const position = (k * 7919) % (writer.text.length + 1)
        sentAt[k] = performance.now()
        writer.text.insert(position, ALPHABET[k % ALPHABET.length]!)
        clockAfter[k] = writer.clockOf(a)
        sent++
        await sleep(EDIT_GAP_MS)
      }
      await withDeadline(everyDelivery, DELIVERY_TIMEOUT_MS, 'every reader to receive every edit').catch(() => undefined)
      const cpu = await stopMeter()

      const perDelivery: number[] = []
      const perEdit: number[] = []
      let missing = 0
      for (let k = 0; k < EDITS; k++) {
        let last = 0
        for (let r = 0; r < READERS; r++) {
          const at = arrivedAt[r * EDITS + k]!
          if (Number.isNaN(at)) {
            missing++
            continue
          }
          perDelivery.push(at - sentAt[k]!)
          last = Math.max(last, at - sentAt[k]!)
        }
        perEdit.push(last)
      }
      const expected = READERS * EDITS
      if (missing > 0) report.error(`${formatCount(missing)} of ${formatCount(expected)} edit deliveries never arrived`)
      const final = writer.text.toString()
      const diverged = readers.filter((reader) => reader.text.toString() !== final).length
      if (diverged > 0) report.error(`${diverged} of ${READERS} readers ended with a different text than the writer`)

      report.metric('deliveries (edit × reader)', `${formatCount(expected - missing)} / ${formatCount(expected)}`)
      report.metric('readers converged to the writer’s text', `${READERS - diverged} / ${READERS}`, true)
      report.latency('edit → one reader applied it', summarize(perDelivery), true)
      report.latency('edit → all readers applied it', summarize(perEdit), true)
      report.cpu(`edit (stored + ${READERS} relays)`, cpu, EDITS, true)
      report.metric(`time to connect and sync ${READERS + 1} clients`, formatMs(connectMs))
      const memory = await server.memory()
      if (memory) report.metric('server RSS at end (peak)', `${formatBytes(memory.rssBytes)} (${formatBytes(memory.peakRssBytes)})`)
      report.note(
        `the writer and all ${READERS} readers share this process: the last reader's figure includes applying the update in the 49 before it`,
      )
      report.note(`documents stored with DURABILITY=${durability}`)
    } finally {
      for (const failure of await teardown.run()) report.error(failure)
    }
  },
}
