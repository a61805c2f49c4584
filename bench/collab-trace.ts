/**
 * collab-trace: a real editing session through one room. Client A replays the automerge-paper trace
 * (≈20,000 Yjs updates) while client B in the same room receives it; then the server is restarted on
 * the same data directory and a fresh client C loads the whole document cold.
 *
 * Relay latency is measured on every 100th update, and that update is sent into a drained pipeline
 * (A waits until B holds everything sent so far). Its latency is then the server's own path (decode,
 * apply, SQLite commit, relay) plus the two socket hops, not time spent queued behind the 99 updates
 * before it; the other updates stream at full speed and give the throughput figure.
 *
 * How B recognises the sampled update: B is "caught up" when its state-vector entry for A equals A's
 * clock (Yjs integrates one client's items in clock order, so every insert has arrived) and its text
 * is as long as A's (so every deletion has too; deletions do not advance the clock). Right after the
 * drain B is caught up; sending the update breaks that (it inserts, deletes, or both), and B is caught
 * up again at exactly the moment it has applied that update.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'

import * as Y from 'yjs'

import { BenchServer } from './support/bench-server.js'
import type { Benchmark } from './support/benchmark.js'
import { CollabClient } from './support/collab-client.js'
import { startCpuMeter } from './support/cpu-meter.js'
import { databaseSize } from './support/database-size.js'
import { summarize } from './support/distribution.js'
import {
  applyPatches,
  EDITING_TRACE_CREDIT,
  EDITING_TRACE_FILE,
  groupTransactions,
  loadEditingTrace,
  type Patch,
} from './support/editing-trace.js'
import { formatBytes, formatCount, formatMs, formatRate } from './support/format-units.js'
import { Teardown } from './support/teardown.js'
import { TempDir } from './support/temp-dir.js'
import { UpdateWaiter } from './support/update-waiter.js'

/** Updates the trace is grouped into. */
export const TARGET_UPDATES = 20_000
const ROOM = 'automerge-paper'
const SAMPLE_EVERY = 100
/** Let the event loop read B's socket between bursts; otherwise B only reads once the whole burst is sent. */
const YIELD_EVERY = 20
const SAMPLE_TIMEOUT_MS = 10_000
const CONVERGE_TIMEOUT_MS = 120_000

/** What the replay phase measured. */
export interface ReplayResult {
  replayMs: number
  relayLatencies: number[]
}

/**
 * Replay `batches` from `writer` to `reader`; every {@link SAMPLE_EVERY}th update goes into a drained
 * pipeline and is timed. Resolves once the reader holds everything.
 */
export async function replay(writer: CollabClient, reader: CollabClient, batches: readonly Patch[][]): Promise<ReplayResult> {
  const waiter = new UpdateWaiter(reader.doc)
  const a = writer.clientId
  const caughtUp = (): boolean => reader.clockOf(a) === writer.clockOf(a) && reader.text.length === writer.text.length
  const relayLatencies: number[] = []
  try {
    const started = performance.now()
    for (const [index, patches] of batches.entries()) {
      if (index % SAMPLE_EVERY === 0) {
        await waiter.until(caughtUp, SAMPLE_TIMEOUT_MS, `B to catch up before update ${index}`)
        const sentAt = performance.now()
        writer.doc.transact(() => applyPatches(writer.text, patches))
        relayLatencies.push((await waiter.until(caughtUp, SAMPLE_TIMEOUT_MS, `update ${index} to reach B`)) - sentAt)
        continue
      }
      writer.doc.transact(() => applyPatches(writer.text, patches))
      if (index % YIELD_EVERY === 0) await nextTurn()
    }
    await waiter.until(caughtUp, CONVERGE_TIMEOUT_MS, 'B to receive the whole trace')
    return { replayMs: performance.now() - started, relayLatencies }
  } finally {
    waiter.dispose()
  }
}

/** The editing-trace benchmark. */
export const collabTrace: Benchmark = {
  name: 'collab-trace',
  summary: 'automerge-paper trace replayed by A to B through one room; then restart and cold load by C',
  async run({ durability, progress }, report) {
    const trace = await loadEditingTrace()
    if (!trace) {
      report.skip(`editing trace not found at ${EDITING_TRACE_FILE}; put automerge-paper.json.gz there to run this benchmark`)
      return
    }
    const batches = groupTransactions(trace, TARGET_UPDATES)
    const teardown = new Teardown()
    try {
      const dataDir = new TempDir('tandem-bench-trace')
      teardown.defer('remove data dir', () => dataDir.remove())
      const stopped = new Map<BenchServer, Promise<number>>()
      /** Stop `server` once, recording an unclean exit and its log problems; resolves with the shutdown time. */
      const stopServer = (server: BenchServer): Promise<number> => {
        let stopping = stopped.get(server)
        if (!stopping) {
          stopping = server.stop().then((exit) => {
            if (exit.code !== 0) report.error(`server exited with code ${exit.code} (signal ${exit.signal})`)
            for (const problem of server.problems) report.note(`server log: ${problem}`)
            return exit.shutdownMs
          })
          stopped.set(server, stopping)
        }
        return stopping
      }

      // Phase 1: A replays the trace to B.
      const first = await BenchServer.start({ dataDir: dataDir.path, durability })
      teardown.defer('stop first server', () => stopServer(first))
      const idle = await first.memory()
      const writer = await CollabClient.connect(first.wsUrl, ROOM)
      teardown.defer('destroy A', () => writer.destroy())
      const reader = await CollabClient.connect(first.wsUrl, ROOM)
      teardown.defer('destroy B', () => reader.destroy())
      if (trace.startContent.length > 0) writer.text.insert(0, trace.startContent)
      progress(`replaying ${formatCount(trace.txns.length)} transactions as ${formatCount(batches.length)} updates`)
      const stopMeter = await startCpuMeter(first)
      const { replayMs, relayLatencies } = await replay(writer, reader, batches)
      const replayCpu = await stopMeter()
      if (writer.text.toString() !== trace.endContent) report.error('A’s own text differs from endContent: the replay itself is wrong')
      if (reader.text.toString() !== trace.endContent) report.error('B’s text differs from endContent after the replay')
      const afterReplay = await first.memory()
      const liveSize = await databaseSize(dataDir.path)
      progress(`B converged after ${formatMs(replayMs)}; restarting the server`)
      reader.destroy()
      writer.destroy()
      const shutdownMs = await stopServer(first)
      const stoppedSize = await databaseSize(dataDir.path)

      // Phase 2: restart on the same data directory; C loads the document cold.
      const restartStarted = performance.now()
      const second = await BenchServer.start({ dataDir: dataDir.path, durability })
      const restartMs = performance.now() - restartStarted
      teardown.defer('stop second server', () => stopServer(second))
      const cold = await CollabClient.connect(second.wsUrl, ROOM, 30_000)
      const coldLoadMs = performance.now() - cold.createdAt
      teardown.defer('destroy C', () => cold.destroy())
      if (cold.text.toString() !== trace.endContent) report.error('C’s text after a cold load differs from endContent')
      // Applying the same state again in a fresh doc shows how much of the sync is client-side Yjs work.
      const state = Y.encodeStateAsUpdate(cold.doc)
      const probe = new Y.Doc()
      const applyStarted = performance.now()
      Y.applyUpdate(probe, state)
      const clientApplyMs = performance.now() - applyStarted
      probe.destroy()
      const afterColdLoad = await second.memory()

      report.metric('updates replayed (trace transactions)', `${formatCount(batches.length)} (${formatCount(trace.txns.length)})`)
      report.metric('replay until B equals endContent', formatMs(replayMs), true)
      report.metric(
        'throughput',
        `${formatRate(batches.length / (replayMs / 1000))} updates · ${formatRate(trace.txns.length / (replayMs / 1000))} keystrokes`,
        true,
      )
      report.cpu('update (stored + relayed)', replayCpu, batches.length, true)
      report.latency(`A → server → B relay, every ${SAMPLE_EVERY}th update, drained`, summarize(relayLatencies), true)
      if (idle) report.metric('server RSS idle, before any client', formatBytes(idle.rssBytes))
      if (afterReplay)
        report.metric(
          'server RSS after replay (peak)',
          `${formatBytes(afterReplay.rssBytes)} (${formatBytes(afterReplay.peakRssBytes)})`,
          true,
        )
      report.metric(
        'SQLite while running (db + wal)',
        `${formatBytes(liveSize.totalBytes)} (${formatBytes(liveSize.mainBytes)} + ${formatBytes(liveSize.walBytes)})`,
      )
      report.metric(
        'SQLite after shutdown (db + wal)',
        `${formatBytes(stoppedSize.totalBytes)} (${formatBytes(stoppedSize.mainBytes)} + ${formatBytes(stoppedSize.walBytes)})`,
        true,
      )
      report.metric('shutdown (SIGTERM → exit, flush + compact)', formatMs(shutdownMs))
      report.metric('restart (spawn → listening)', formatMs(restartMs))
      report.metric(`cold load of ${formatCount(trace.endContent.length)} chars by C (connect → synced)`, formatMs(coldLoadMs), true)
      report.metric('  of which connect → socket open (server loads the room first)', formatMs(cold.openedAt - cold.createdAt))
      report.metric(`  of which C applying the ${formatBytes(state.byteLength)} state (re-measured)`, formatMs(clientApplyMs))
      if (afterColdLoad) report.metric('server RSS after cold load', formatBytes(afterColdLoad.rssBytes))
      report.note(`every ${SAMPLE_EVERY}th update waits for B to drain first; the rest stream with a yield every ${YIELD_EVERY} updates`)
      report.note(`documents stored with DURABILITY=${durability}`)
      report.note(EDITING_TRACE_CREDIT)
    } finally {
      for (const failure of await teardown.run()) report.error(failure)
    }
  },
}
