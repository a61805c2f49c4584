/**
 * One writer, many receivers in one room: the writer inserts one character at a time into a drained
 * room, and each edit is timed from just before the insert to the first and to the last of the
 * receivers (`raw-receiver.ts`) hearing of it. The next edit waits until all have, plus a gap.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { CollabClient, type CollabProtocol } from './collab-client.js'
import { withDeadline } from './deadline.js'
import { summarize } from './distribution.js'
import { RawReceiver } from './raw-receiver.js'

/** What the run measured, ms. */
export interface FanoutResult {
  firstP50Ms: number
  lastP50Ms: number
  lastP99Ms: number
}

/** Receivers connecting at once while the room fills. */
const CONNECT_BATCH = 50

/** Run the workload in `room` of the server at `wsUrl`; every client is closed before it settles. */
export async function fanoutWorkload(
  wsUrl: string,
  room: string,
  { receivers, edits, gapMs }: { receivers: number; edits: number; gapMs: number },
  protocol: CollabProtocol = 'y-websocket',
): Promise<FanoutResult> {
  const joined: RawReceiver[] = []
  let writer: CollabClient | null = null
  try {
    writer = await CollabClient.connect(wsUrl, room, undefined, protocol)
    for (let start = 0; start < receivers; start += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, receivers - start)
      joined.push(...(await Promise.all(Array.from({ length: batch }, () => RawReceiver.connect(wsUrl, room, protocol)))))
    }
    const first: number[] = []
    const last: number[] = []
    for (let edit = 0; edit < edits; edit++) {
      await sleep(gapMs)
      let heard = 0
      let firstAt = Number.NaN
      const all = new Promise<number>((resolve) => {
        for (const receiver of joined) {
          let done = false
          receiver.onUpdate = () => {
            if (done) return
            done = true
            const at = performance.now()
            if (heard++ === 0) firstAt = at
            if (heard === joined.length) resolve(at)
          }
        }
      })
      const sentAt = performance.now()
      writer.text.insert(writer.text.length, String.fromCharCode(97 + (edit % 26)))
      const lastAt = await withDeadline(all, 10_000, `all ${joined.length} receivers to hear edit ${edit}`)
      first.push(firstAt - sentAt)
      last.push(lastAt - sentAt)
    }
    const lastDistribution = summarize(last)
    return { firstP50Ms: summarize(first).p50, lastP50Ms: lastDistribution.p50, lastP99Ms: lastDistribution.p99 }
  } finally {
    for (const receiver of joined) receiver.close()
    writer?.destroy()
  }
}
