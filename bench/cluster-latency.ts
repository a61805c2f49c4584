/**
 * cluster-latency: one round of `cluster.ts` for `run-all.ts`. One writer and 20 raw readers on each
 * deployment (Tandem alone, a Tandem cluster of three nodes with the writer on A and the readers on B
 * and C, Hocuspocus alone and two Hocuspocus nodes joined by Redis), each edit timed from the send to
 * every reader's receipt. Skipped where PostgreSQL or Redis does not answer; for alternating rounds
 * and the JSON, run `cluster.ts`.
 */
import type { Benchmark } from './support/benchmark.js'
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
import { formatMs } from './support/format-units.js'

/** The cluster benchmark, one round. */
export const clusterLatency: Benchmark = {
  name: 'cluster-latency',
  summary: `edit → reader latency, 1 writer and ${2 * CLUSTER_LOAD.readersPerNode} readers, one node against a 3-node cluster and Hocuspocus + Redis`,
  async run({ durability, progress }, report) {
    const services = clusterServices()
    const unreachable = await unreachableServices(services)
    if (unreachable.length > 0) {
      report.skip(`a cluster needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): ${unreachable.join('; ')}`)
      return
    }
    const figures = {} as Record<SetupKey, CrossNodeResult>
    for (const key of SETUP_KEYS) {
      progress(SETUP_LABELS[key])
      const outcome = await measureSetup(key, services, durability)
      figures[key] = outcome.figures
      for (const note of outcome.notes) report.note(note)
      const { p50Ms, p99Ms, maxMs, deliveries, repeats, serverCpuMsPerEdit } = outcome.figures
      report.metric(
        `${SETUP_LABELS[key]}: edit → reader (n=${deliveries})`,
        `p50 ${formatMs(p50Ms)} · p99 ${formatMs(p99Ms)} · max ${formatMs(maxMs)} · server CPU ${formatMs(serverCpuMsPerEdit)} per edit`,
        key === 'tandem-cluster',
      )
      if (repeats > 0) report.note(`${SETUP_LABELS[key]}: ${repeats} updates reached a reader that already held them`)
    }
    const target = clusterTargets(figures)
    report.metric(
      `cluster p50 − one node's p50 (target ≤ ${P50_TARGET_MS} ms)`,
      `${formatMs(target.p50OverOneNodeMs)}${target.p50OverOneNodeMet ? '' : ' (missed)'}`,
      true,
    )
    report.metric(`cluster: readers on B and C − the witness on A, p50 (crossing nodes)`, formatMs(target.crossingP50Ms))
    report.metric(
      `cluster p99 / Hocuspocus + Redis pair p99 (target ≤ ${P99_TARGET_RATIO})`,
      `${target.p99OverHocuspocusPair.toFixed(2)}${target.p99OverHocuspocusPairMet ? '' : ' (missed)'}`,
      true,
    )
    report.note(
      `PostgreSQL at ${new URL(services.databaseUrl).host}, a fresh schema per setup; one round only: npm run bench:cluster for alternating rounds`,
    )
  },
}
