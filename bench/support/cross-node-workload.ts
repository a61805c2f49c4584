/**
 * One writer and readers spread over a deployment's nodes: the writer (a raw client with a Y.Doc of
 * its own) joins a room on one node, groups of raw readers (`raw-receiver.ts`) join the same room on
 * the others (or on the same one, for a single node), and the writer inserts one character at a
 * time. Each edit is timed from just before the insert (the client sends its update within that
 * call) to each reader's receipt of an update that holds it, recognised by the writer's clock in the
 * update's metadata, so a late or repeated frame of an earlier edit never counts. The next edit waits
 * until every reader has it, plus a gap: the room is drained each time, and every delivery counts.
 *
 * On several nodes, one more reader, the witness, joins on the writer's node and is timed apart:
 * the readers' latency less the witness's is what crossing to another node adds, in the same run.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import * as Y from 'yjs'

import { CollabClient, type CollabProtocol } from './collab-client.js'
import { withDeadline } from './deadline.js'
import { summarize } from './distribution.js'
import { RawReceiver } from './raw-receiver.js'

/** Where the clients join. */
export interface CrossNodeTopology {
  writerUrl: string
  /** One URL per group of readers (the same one twice on a single node). */
  readerUrls: readonly string[]
  /** The writer's node, for the witness, on a deployment of several nodes; `null` on one. */
  witnessUrl: string | null
  protocol: CollabProtocol
}

/** How much the writer writes and how many read. */
export interface CrossNodeLoad {
  /** Readers joining on each of the reader URLs. */
  readersPerNode: number
  /** Timed edits. */
  edits: number
  /** Edits before them, not timed: every path warmed up (JIT, connection pools, subscriptions). */
  warmUpEdits: number
  /** Pause after every reader has an edit, before the next. */
  gapMs: number
}

/** What the run measured. */
export interface CrossNodeResult {
  /** Every (timed edit, reader) delivery, ms. */
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** Of each edit, the last reader to have it, ms. */
  lastP50Ms: number
  /** Each timed edit to the witness on the writer's node, ms; NaN on a single node. */
  witnessP50Ms: number
  witnessP99Ms: number
  deliveries: number
  /** Updates that reached a reader holding nothing new (a repeated relay); 0 on a server that relays each change once. */
  repeats: number
  /** CPU the deployment's processes spent per timed edit (its relays included), ms; NaN where it cannot be read. */
  serverCpuMsPerEdit: number
}

const CONNECT_TIMEOUT_MS = 30_000
const DELIVERY_TIMEOUT_MS = 10_000

/**
 * Run the workload in `room` on `topology`. Then a stock client on each reader URL must find the
 * writer's exact text. `serverCpuMs` reads the CPU time of every server process together, taken
 * around the timed edits. Every client is closed before it settles.
 * @throws when a reader misses an edit or a node's copy differs from the writer's.
 */
export async function crossNodeWorkload(
  topology: CrossNodeTopology,
  room: string,
  load: CrossNodeLoad,
  serverCpuMs: () => Promise<number | null>,
): Promise<CrossNodeResult> {
  const { writerUrl, readerUrls, witnessUrl, protocol } = topology
  const readers: RawReceiver[] = []
  let witness: RawReceiver | null = null
  let writer: RawReceiver | null = null
  const doc = new Y.Doc()
  try {
    writer = await RawReceiver.connect(writerUrl, room, protocol, CONNECT_TIMEOUT_MS)
    const socket = writer
    doc.on('update', (update: Uint8Array) => socket.sendUpdate(update))
    for (const url of readerUrls) {
      readers.push(
        ...(await Promise.all(
          Array.from({ length: load.readersPerNode }, () => RawReceiver.connect(url, room, protocol, CONNECT_TIMEOUT_MS)),
        )),
      )
    }
    if (witnessUrl !== null) witness = await RawReceiver.connect(witnessUrl, room, protocol, CONNECT_TIMEOUT_MS)
    const everyone = witness ? [...readers, witness] : readers
    const text = doc.getText('t')
    const latencies: number[] = []
    const witnessed: number[] = []
    const last: number[] = []
    let repeats = 0
    const heldBy = new Map<RawReceiver, number>(everyone.map((reader) => [reader, 0]))
    let cpuBefore: number | null = null
    for (let edit = 0; edit < load.warmUpEdits + load.edits; edit++) {
      await sleep(load.gapMs)
      if (edit === load.warmUpEdits) cpuBefore = await serverCpuMs()
      let sentAt = Number.NaN
      let clock = Number.POSITIVE_INFINITY
      const timed = edit >= load.warmUpEdits
      let lastAt = Number.NaN
      const all = new Promise<void>((resolve) => {
        let waiting = everyone.length
        for (const reader of everyone) {
          reader.onUpdate = (update) => {
            const at = performance.now()
            const reaches = Y.parseUpdateMeta(update).to.get(doc.clientID) ?? 0
            if (reaches <= heldBy.get(reader)!) {
              repeats++
              return
            }
            heldBy.set(reader, reaches)
            if (reaches < clock) return
            if (reader === witness) {
              if (timed) witnessed.push(at - sentAt)
            } else {
              if (timed) latencies.push(at - sentAt)
              lastAt = at
            }
            if (--waiting === 0) resolve()
          }
        }
      })
      sentAt = performance.now()
      text.insert(text.length, String.fromCharCode(97 + (edit % 26)))
      clock = Y.getState(doc.store, doc.clientID)
      await withDeadline(all, DELIVERY_TIMEOUT_MS, `${everyone.length} readers to have edit ${edit} of room ${room}`)
      if (timed) last.push(lastAt - sentAt)
    }
    const cpuAfter = await serverCpuMs()
    for (const url of new Set(readerUrls)) {
      const check = await CollabClient.connect(url, room, CONNECT_TIMEOUT_MS, protocol)
      const held = check.text.toString()
      check.destroy()
      if (held !== text.toString()) throw new Error(`${url} holds ${held.length} characters of room ${room}, the writer ${text.length}`)
    }
    const distribution = summarize(latencies)
    const witnessDistribution = summarize(witnessed)
    return {
      p50Ms: distribution.p50,
      p90Ms: distribution.p90,
      p99Ms: distribution.p99,
      maxMs: distribution.max,
      lastP50Ms: summarize(last).p50,
      witnessP50Ms: witnessDistribution.p50,
      witnessP99Ms: witnessDistribution.p99,
      deliveries: distribution.count,
      repeats,
      serverCpuMsPerEdit: cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / load.edits,
    }
  } finally {
    for (const reader of readers) reader.close()
    witness?.close()
    writer?.close()
    doc.destroy()
  }
}
