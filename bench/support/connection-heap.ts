/**
 * JS heap per connection, after garbage collection: `connections` raw clients (`raw-receiver.ts`)
 * join one room and each announces an awareness entry, as every editor does; the server's heap
 * (read through `heap-probe.ts`) with them, less its heap before they came, per client.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import type { CollabProtocol } from './collab-client.js'
import { withDeadline } from './deadline.js'
import { heapUsedAfterGc } from './heap-probe.js'
import { RawReceiver } from './raw-receiver.js'

/** Clients connecting at once while the room fills. */
const CONNECT_BATCH = 50
/** Time for closed sockets to be let go of entirely. */
const SETTLE_MS = 1000
/** Awareness client ids of the clients start here. */
const FIRST_CLIENT_ID = 2_000_000

/** `count` clients in `room`, each announcing a fresh awareness entry; resolves once `watcher` heard them all. */
async function joinAnnouncing(
  target: { wsUrl: string; protocol: CollabProtocol },
  room: string,
  watcher: RawReceiver,
  count: number,
  firstId: number,
): Promise<RawReceiver[]> {
  const joined: RawReceiver[] = []
  const heard = new Set<number>()
  const allHeard = new Promise<void>((resolve) => {
    watcher.onAwareness = (clientId) => {
      if (clientId >= firstId && clientId < firstId + count) heard.add(clientId)
      if (heard.size === count) resolve()
    }
  })
  try {
    for (let start = 0; start < count; start += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, () => RawReceiver.connect(target.wsUrl, room, target.protocol)),
      )
      for (const client of batch) {
        const index = joined.push(client) - 1
        client.sendAwareness(firstId + index, 1, { user: { name: `Reader ${index}`, color: '#30bced' }, cursor: null })
      }
    }
    await withDeadline(allHeard, 30_000, `a client to hear all ${count} awareness entries`)
    return joined
  } catch (error) {
    for (const client of joined) client.close()
    throw error
  }
}

/** Close `clients` and resolve once `watcher` heard each one's awareness entry removed. */
async function leave(clients: RawReceiver[], watcher: RawReceiver, firstId: number): Promise<void> {
  const gone = new Set<number>()
  const allGone = new Promise<void>((resolve) => {
    watcher.onAwareness = (clientId, _clock, removed) => {
      if (removed && clientId >= firstId && clientId < firstId + clients.length) gone.add(clientId)
      if (gone.size === clients.length) resolve()
    }
  })
  for (const client of clients) client.close()
  await withDeadline(allGone, 30_000, `the server to drop ${clients.length} closed clients`)
}

/**
 * KiB of JS heap each of `connections` clients costs the server (pid `pid`) in `room`. A first
 * crowd joins and leaves untimed, so that code the joins compile and buffers pools grow once are in
 * the baseline, not charged to each connection.
 */
export async function heapPerConnectionKiB(
  target: { wsUrl: string; protocol: CollabProtocol; pid: number },
  room: string,
  connections: number,
): Promise<number> {
  const watcher = await RawReceiver.connect(target.wsUrl, room, target.protocol)
  try {
    await leave(await joinAnnouncing(target, room, watcher, connections, FIRST_CLIENT_ID), watcher, FIRST_CLIENT_ID)
    // A server drops a socket's last references a few turns after it announced the leave.
    await sleep(SETTLE_MS)
    const before = await heapUsedAfterGc(target.pid)
    const measured = FIRST_CLIENT_ID + connections
    const joined = await joinAnnouncing(target, room, watcher, connections, measured)
    try {
      const after = await heapUsedAfterGc(target.pid)
      return (after - before) / connections / 1024
    } finally {
      for (const client of joined) client.close()
    }
  } finally {
    watcher.close()
  }
}
