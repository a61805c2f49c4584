/**
 * Many people typing in one room at once: `writers` clients each insert one character every
 * `intervalMs` (`edits` times), at random positions, while an observer in the same room times every
 * edit from just before the writer's insert to the moment the observer has applied it. Edits are
 * recognised by state vectors (Yjs integrates one client's items in clock order), as in the other
 * document benchmarks.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { CollabClient, type CollabProtocol } from './collab-client.js'
import { summarize } from './distribution.js'

/** What the run measured. */
export interface WritersResult {
  /** Edit → observer, ms, every edit. */
  p50Ms: number
  p99Ms: number
  edits: number
  /** The room's text once every edit arrived, as the observer has it. */
  text: string
}

/**
 * Time edits to `observer`: `sent` says an edit took `client`'s clock to `clock` at `sentAt`, and its
 * latency joins `latencies` once the observer's copy has it (Yjs integrates one client's items in
 * clock order).
 */
export function timeEditsAt(observer: CollabClient): {
  sent: (client: number, clock: number, sentAt: number) => void
  latencies: number[]
} {
  const pending: { client: number; clock: number; sentAt: number }[] = []
  const latencies: number[] = []
  observer.doc.on('update', () => {
    const at = performance.now()
    for (let i = pending.length - 1; i >= 0; i--) {
      const edit = pending[i]!
      if (observer.clockOf(edit.client) < edit.clock) continue
      latencies.push(at - edit.sentAt)
      pending.splice(i, 1)
    }
  })
  return { sent: (client, clock, sentAt) => void pending.push({ client, clock, sentAt }), latencies }
}

/** Run the workload in `room` of the server at `wsUrl`; every client is destroyed before it settles. */
export async function writersWorkload(
  wsUrl: string,
  room: string,
  { writers, edits, intervalMs }: { writers: number; edits: number; intervalMs: number },
  protocol: CollabProtocol = 'y-websocket',
): Promise<WritersResult> {
  const clients: CollabClient[] = []
  try {
    const observer = await CollabClient.connect(wsUrl, room, undefined, protocol)
    clients.push(observer)
    for (let i = 0; i < writers; i++) clients.push(await CollabClient.connect(wsUrl, room, undefined, protocol))
    const { sent, latencies } = timeEditsAt(observer)
    let seed = 42
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const writing = clients.slice(1).map(async (writer, index) => {
      // Spread the writers' ticks over one interval rather than firing all at once.
      await sleep((intervalMs * index) / writers)
      for (let edit = 0; edit < edits; edit++) {
        const sentAt = performance.now()
        writer.text.insert(Math.floor(random() * (writer.text.length + 1)), String.fromCharCode(97 + (edit % 26)))
        sent(writer.clientId, writer.clockOf(writer.clientId), sentAt)
        await sleep(intervalMs)
      }
    })
    await Promise.all(writing)
    const deadline = performance.now() + 30_000
    while (latencies.length < writers * edits) {
      if (performance.now() > deadline) throw new Error(`only ${latencies.length} of ${writers * edits} edits reached the observer`)
      await sleep(20)
    }
    const distribution = summarize(latencies)
    return { p50Ms: distribution.p50, p99Ms: distribution.p99, edits: latencies.length, text: observer.text.toString() }
  } finally {
    for (const client of clients) client.destroy()
  }
}
