/**
 * Presence at a steady beat: `clients` raw clients (`raw-receiver.ts`) in rooms of `roomSize`, each
 * announcing its awareness entry (name, colour and a selection, shaped as y-prosemirror's cursor)
 * once every `intervalMs`, spread evenly over the interval. After one untimed beat that introduces
 * everyone, each entry is timed from just before it is sent to every other member of its room
 * hearing it, and the server's CPU is read over the timed beats.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import type { CollabProtocol } from './collab-client.js'
import { summarize } from './distribution.js'
import { RawReceiver } from './raw-receiver.js'

/** What the run measured. */
export interface AwarenessResult {
  /** Entry sent → heard by another member of the room, every delivery, ms. */
  p50Ms: number
  p99Ms: number
  /** Server CPU over the timed beats per entry sent, µs; `null` where it could not be read. */
  cpuUsPerUpdate: number | null
}

export interface AwarenessLoad {
  clients: number
  roomSize: number
  /** Timed beats, after the introducing one. */
  beats: number
  intervalMs: number
}

/** Clients connecting at once while the rooms fill. */
const CONNECT_BATCH = 50
/** Client ids of the workload's entries start here (any id nobody else uses would do). */
const FIRST_CLIENT_ID = 1_000_000

/** A cursor as y-prosemirror announces it: relative positions of anchor and head, plus the user. */
function stateOf(index: number, beat: number): unknown {
  const position = (offset: number): unknown => ({
    type: null,
    tname: 'prosemirror',
    item: { client: FIRST_CLIENT_ID + index, clock: beat * 7 + offset },
    assoc: 0,
  })
  return { user: { name: `Reader ${index}`, color: '#30bced' }, cursor: { anchor: position(0), head: position(3) } }
}

/**
 * Run the load on the server at `wsUrl`, in rooms named `<roomPrefix>-<n>`; `cpuMs` reads the
 * server's CPU time so far. Every client is closed before it settles.
 */
export async function awarenessWorkload(
  wsUrl: string,
  roomPrefix: string,
  { clients, roomSize, beats, intervalMs }: AwarenessLoad,
  protocol: CollabProtocol,
  cpuMs: () => Promise<number | null>,
): Promise<AwarenessResult> {
  const joined: RawReceiver[] = []
  try {
    for (let start = 0; start < clients; start += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, clients - start) }, (_, offset) =>
        RawReceiver.connect(wsUrl, `${roomPrefix}-${Math.floor((start + offset) / roomSize)}`, protocol, 60_000),
      )
      joined.push(...(await Promise.all(batch)))
    }
    /** When entry (client, clock) was sent, by `client * 2^16 + clock`. */
    const sentAt = new Map<number, number>()
    const latencies: number[] = []
    joined.forEach((receiver, index) => {
      // Servers may repeat an entry (to a joiner, or when echoing): each clock counts once per receiver.
      const heard = new Map<number, number>()
      receiver.onAwareness = (clientId, clock) => {
        if (clientId === FIRST_CLIENT_ID + index || clock <= (heard.get(clientId) ?? 0)) return
        heard.set(clientId, clock)
        const at = sentAt.get(clientId * 2 ** 16 + clock)
        if (at !== undefined) latencies.push(performance.now() - at)
      }
    })
    const beat = async (clock: number, timed: boolean): Promise<void> => {
      await Promise.all(
        joined.map(async (client, index) => {
          await sleep((intervalMs * index) / clients)
          const clientId = FIRST_CLIENT_ID + index
          if (timed) sentAt.set(clientId * 2 ** 16 + clock, performance.now())
          client.sendAwareness(clientId, clock, stateOf(index, clock))
        }),
      )
    }
    await beat(1, false)
    await sleep(intervalMs)
    const cpuBefore = await cpuMs()
    for (let clock = 2; clock < beats + 2; clock++) {
      const started = performance.now()
      await beat(clock, true)
      await sleep(Math.max(0, intervalMs - (performance.now() - started)))
    }
    const fullRooms = Math.floor(clients / roomSize)
    const lastRoom = clients % roomSize
    const expected = beats * (fullRooms * roomSize * (roomSize - 1) + lastRoom * Math.max(0, lastRoom - 1))
    const deadline = performance.now() + 30_000
    while (latencies.length < expected) {
      if (performance.now() > deadline) throw new Error(`only ${latencies.length} of ${expected} awareness deliveries arrived`)
      await sleep(10)
    }
    const cpuAfter = await cpuMs()
    const distribution = summarize(latencies)
    return {
      p50Ms: distribution.p50,
      p99Ms: distribution.p99,
      cpuUsPerUpdate: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / (beats * clients),
    }
  } finally {
    for (const client of joined) client.close()
  }
}
