/**
 * One message, or one connection's burst, must not hold the event loop for more than 50 ms. Each
 * attack below is sent from a single connection against a server with its default limits, while a
 * health pinger measures how long the server's main thread stays busy (see support/stall-meter.ts).
 */
import { join } from 'node:path'

import { CloseCode, encodeQueryAwareness, encodeSyncStep1, encodeSyncUpdate } from '@tandem/protocol'
import { SqliteDocumentStore } from '@tandem/server/src/storage/sqlite-document-store.js'
import { eventually } from '@tandem/server/src/test-support/eventually.js'
import { connectClient } from '@tandem/server/src/test-support/stock-client.js'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { attackerAddresses, inBatches } from './support/client-addresses.js'
import { awarenessFrame, subscribeFrame } from './support/collab-frames.js'
import { conflictBase, conflictStorm, unmergeableInserts } from './support/crafted-updates.js'
import { HealthyEditor } from './support/healthy-editor.js'
import { HostileServer } from './support/hostile-server.js'
import { measureAttack, MiB } from './support/measure-attack.js'
import { ProbeSocket } from './support/probe-socket.js'
import { atScale } from './support/scale.js'

/**
 * "Never stalls more than 50 ms". The meter reports an upper bound (CPU ticks of 10 ms plus one tick
 * of slack, see support/stall-meter.ts), so a reading of 50 means at most 50.
 */
const STALL_LIMIT_MS = 50
/** Structs of the most expensive update the default `MAX_UPDATE_STRUCTS` (4,096 parts) lets through. */
const MOST_STRUCTS = 4086
/** Clients of the largest conflict storm it lets through: each one-struct client counts two parts. */
const MOST_STORM_CLIENTS = 2040
const PUBLISH_KEY = 'hostile-publish-key-0123456789'

/** Send `frames` on one fresh connection to `room`, wait until handled (or closed), return the outcome. */
async function burst(server: HostileServer, room: string, frames: Uint8Array[]): Promise<Record<string, string | number>> {
  const probe = await ProbeSocket.open(`${server.collabUrl}/${room}`)
  for (const frame of frames) probe.send(frame)
  const outcome = await probe.roundTrip(60_000)
  const closed = probe.closedWith
  await probe.close()
  return {
    frames: frames.length,
    bytes: frames.reduce((sum, frame) => sum + frame.length, 0),
    outcome: closed ? `closed ${closed.code}` : outcome,
  }
}

/**
 * Each asker sends one step 1 as a real client would that knows part of one author's text: no two
 * answers alike, each nearly the whole document. Resolves once every asker had its answers handled.
 */
async function askEachDistinct(askers: ProbeSocket[], firstAuthor: number, authors: number): Promise<Record<string, number>> {
  const answered = askers.map((asker) => asker.syncAnswers)
  askers.forEach((asker, i) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarUint(encoder, firstAuthor + (i % authors))
    encoding.writeVarUint(encoder, 1 + i)
    asker.send(encodeSyncStep1(encoding.toUint8Array(encoder)))
  })
  // Answers may be encoded off the main thread and arrive after a ping sent now would come back.
  await eventually(
    () => expect(askers.filter((asker, i) => asker.syncAnswers > answered[i]! || !asker.isOpen)).toHaveLength(askers.length),
    { timeout: 60_000 },
  )
  const outcomes = await Promise.all(askers.map((asker) => asker.roundTrip(60_000)))
  return { connections: askers.length, alive: outcomes.filter((outcome) => outcome === 'alive').length }
}

/**
 * `count` unmergeable one-character items by `client`, in a text of its own (so authors never
 * conflict), as updates of `chunk` items each.
 */
function authorOfOwnText(client: number, count: number, chunk = count): Uint8Array[] {
  const doc = new Y.Doc()
  doc.clientID = client
  const text = doc.getText(`t${client}`)
  const updates: Uint8Array[] = []
  for (let done = 0; done < count; done += chunk) {
    const before = Y.encodeStateVector(doc)
    doc.transact(() => {
      for (let i = done; i < Math.min(count, done + chunk); i++) text.insert(0, 'x')
    })
    updates.push(Y.encodeStateAsUpdate(doc, before))
  }
  return updates
}

/**
 * Send a small message of the same shape first, into another room: a server that has run for a while
 * has Yjs' integration code compiled, while a fresh process pays V8's compilation inside the first
 * such message, which is a cost of starting up, not of the message.
 */
async function warmUp(server: HostileServer, room: string, frames: Uint8Array[]): Promise<void> {
  const probe = await ProbeSocket.open(`${server.collabUrl}/${room}`)
  for (const frame of frames) probe.send(frame)
  expect(await probe.roundTrip()).toBe('alive')
  await probe.close()
}

/**
 * The bounded subset inside `npm test` runs on a shared two-core CI machine, where a garbage
 * collection or the scheduler now and then puts one reading 10-20 ms over what the same attack
 * shows on every other run (59 and 70 ms once each, in a dozen runs that otherwise stayed at 10-47).
 * There each test gets one more try, and both readings are printed; `npm run test:hostile` (full
 * scale) never retries.
 */
describe('one message or one burst never stalls the server', { retry: atScale(1, 0) }, () => {
  it('an update of unmergeable single-character inserts, just under MAX_UPDATE_STRUCTS', async () => {
    const server = await HostileServer.start()
    await warmUp(server, 'structs-warm-up', [encodeSyncUpdate(unmergeableInserts(300, 6_000_001))])
    const bystander = await HealthyEditor.start(server, 'structs')
    const update = unmergeableInserts(MOST_STRUCTS)
    const impact = await measureAttack(server, `stall: update of ${MOST_STRUCTS} unmergeable structs`, () =>
      burst(server, 'structs', [encodeSyncUpdate(update)]),
    )
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('concurrent inserts at one position from thousands of clients (a conflict storm)', async () => {
    const server = await HostileServer.start()
    await warmUp(server, 'storm-warm-up', [encodeSyncUpdate(conflictBase()), encodeSyncUpdate(conflictStorm(300, 7_000_002, 6_000_000))])
    const seed = await ProbeSocket.open(`${server.collabUrl}/storm`)
    seed.send(encodeSyncUpdate(conflictBase()))
    expect(await seed.roundTrip()).toBe('alive')
    await seed.close()
    const bystander = await HealthyEditor.start(server, 'storm')
    const impact = await measureAttack(server, `stall: conflict storm of ${MOST_STORM_CLIENTS} clients`, () =>
      burst(server, 'storm', [encodeSyncUpdate(conflictStorm(MOST_STORM_CLIENTS))]),
    )
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('a burst of 2000 sync step 1 frames against a 300 KB document', async () => {
    const server = await HostileServer.start()
    const writer = await connectClient(server, 'big')
    for (let i = 0; i < 10; i++) writer.text.insert(writer.text.length, `${i}`.repeat(30_000))
    const reader = await connectClient(server, 'big')
    await eventually(() => expect(reader.text.length).toBe(300_000))
    const bystander = await HealthyEditor.start(server, 'big')
    const frames = Array.from({ length: 2000 }, (_, i) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint(encoder, 2_000_000 + i) // an unknown client: no two answers alike
      encoding.writeVarUint(encoder, 1)
      return encodeSyncStep1(encoding.toUint8Array(encoder))
    })
    const impact = await measureAttack(server, 'stall: 2000 sync step 1 frames, 300 KB doc', () => burst(server, 'big', frames), {
      fixedBytes: 32 * MiB,
    })
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.peakGrowthBytes).toBeLessThan(impact.boundBytes)
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('forty connections each asking once for a large document, each with a state vector of its own', async () => {
    const server = await HostileServer.start()
    // 20,000 unmergeable structs from 5 clients (the whole automerge-paper trace is 11,000), sent
    // within the default limits: a document whose every encoding costs the server ~6 ms, so forty in
    // one turn would hold it a quarter of a second. It grows past the mirroring threshold (16,384
    // structs) while live: one encoding on the main thread seeds its mirror, the answers come from
    // the worker (rooms/document-mirrors.ts).
    const authors = 5
    const seeder = await ProbeSocket.open(`${server.collabUrl}/wide`)
    // In updates of 1,000: each is timed in the integration worker first, and one of 4,000 (~15 ms)
    // could measure over MAX_INTEGRATION_MS on a busy machine and be refused, losing the seed.
    for (let i = 0; i < authors; i++) for (const update of authorOfOwnText(5_000_000 + i, 4000, 1000)) seeder.send(encodeSyncUpdate(update))
    expect(await seeder.roundTrip(30_000)).toBe('alive')
    await seeder.close()
    // Each author's update is timed in the integration worker first (4,000 parts), so the document is
    // complete a little after the seeder's ping: wait for it, or its last integrations fall into the attack.
    const reader = await connectClient(server, 'wide')
    await eventually(() => expect(reader.doc.getText(`t${5_000_000 + authors - 1}`).length).toBe(4000), { timeout: 30_000 })
    reader.provider.destroy()
    const bystander = await HealthyEditor.start(server, 'wide')
    const askers = await Promise.all(Array.from({ length: 40 }, () => ProbeSocket.open(`${server.collabUrl}/wide`)))
    const impact = await measureAttack(server, 'stall: 40 connections, one distinct step 1 each, 20k-struct doc', () =>
      askEachDistinct(askers, 5_000_000, authors),
    )
    await Promise.all(askers.map((asker) => asker.close()))
    await bystander.assertConverged(server)
    server.assertUnharmed()
    // Before: all forty answers were encoded in one turn of the event loop (~950 ms on this machine).
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('a stored document too large to load or encode in 50 ms: joining it, then connections each asking with a state vector of its own', async () => {
    // 400,000 unmergeable structs from 5 authors (a 2.4 MB update), written to the data directory
    // before the server starts: loading it in one Yjs call held the main thread 470 ms, and one
    // encoding of it is over 50 ms here, which the main thread used to spend on every answer.
    const authors = 5
    const perAuthor = 80_000
    const server = await HostileServer.start({}, async (dataDir) => {
      const store = new SqliteDocumentStore({ filename: join(dataDir, 'tandem.db') })
      try {
        const updates = Array.from({ length: authors }, (_, i) => authorOfOwnText(6_000_000 + i, perAuthor)[0]!)
        await store.appendUpdates([{ name: 'huge', updates }])
      } finally {
        await store.close()
      }
    })
    // Loaded by the mirror worker and applied here in small chunks (rooms/document-loader.ts).
    const load = await measureAttack(
      server,
      'stall: joining a stored 400k-struct document',
      async () => {
        const reader = await connectClient(server, 'huge')
        await eventually(() => expect(reader.doc.getText(`t${6_000_000 + authors - 1}`).length).toBe(perAuthor), { timeout: 30_000 })
        reader.provider.destroy()
        return { structs: authors * perAuthor }
      },
      { fixedBytes: 400 * MiB },
    )
    expect(load.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
    const bystander = await HealthyEditor.start(server, 'huge')
    const askers = await Promise.all(Array.from({ length: 10 }, () => ProbeSocket.open(`${server.collabUrl}/huge`)))
    const impact = await measureAttack(
      server,
      'stall: 10 connections, one distinct step 1 each, 400k-struct doc',
      () => askEachDistinct(askers, 6_000_000, authors),
      {
        // Ten answers of ~2.4 MB in flight at once, and the worker's encoding garbage (93 MiB at most seen).
        fixedBytes: 160 * MiB,
      },
    )
    await Promise.all(askers.map((asker) => asker.close()))
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.peakGrowthBytes).toBeLessThan(impact.boundBytes)
    // Before: each answer was encoded on the main thread; the worst stall read 72 ms (54 ms at 250k structs).
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  /**
   * Yjs resolves concurrent inserts at one spot by scanning those already there, so a batch of 4,000
   * inserts at the start of a text that already holds such a batch costs millions of steps: ~0.35 s
   * for the first batch on top of 300 inserts, over a second for the second. No check made before
   * Yjs runs bounds that cheaply, so such updates are timed against a mirror of the document in a
   * worker thread first (rooms/integration-probe.ts), refused (4002) when they take longer than
   * MAX_INTEGRATION_MS, and cut off by a watchdog when they run on.
   */
  it('batches of inserts at one spot that Yjs needs seconds to integrate', async () => {
    const server = await HostileServer.start()
    await warmUp(server, 'scan-warm-up', [encodeSyncUpdate(unmergeableInserts(300, 6_000_001))])
    const seed = await ProbeSocket.open(`${server.collabUrl}/scan`)
    seed.send(encodeSyncUpdate(unmergeableInserts(300, 6_000_001)))
    await seed.close()
    // Measured too (300 parts), so applied a little later; a batch at its spot then costs 0.35 s.
    const watcher = await connectClient(server, 'scan')
    await eventually(() => expect(watcher.text.length).toBe(300))
    const bystander = await HealthyEditor.start(server, 'scan')
    const batches = [unmergeableInserts(MOST_STRUCTS, 6_100_001), unmergeableInserts(MOST_STRUCTS, 6_100_002)].map((update) =>
      encodeSyncUpdate(update),
    )
    const outcomes: string[] = []
    const impact = await measureAttack(server, `stall: two batches of ${MOST_STRUCTS} inserts at one spot, from new clients`, async () => {
      for (const batch of batches) {
        // Measured off the main thread, so answered after the socket's pong: wait for the close itself.
        const attacker = await ProbeSocket.open(`${server.collabUrl}/scan`)
        attacker.send(batch)
        outcomes.push(`closed ${(await attacker.closedWithin(10_000)).code}`)
      }
      return { first: outcomes[0]!, second: outcomes[1]! }
    })
    expect(outcomes).toEqual([`closed ${CloseCode.InvalidUpdate}`, `closed ${CloseCode.InvalidUpdate}`])
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('a burst of query-awareness frames in a room holding its maximum of large awareness states', async () => {
    const server = await HostileServer.start()
    // Fill the room: 64 connections from other addresses, four 8 KB states each (256 ids, the cap).
    const state = (n: number): string => JSON.stringify({ user: { name: `holder ${n}`, color: '#123456' }, pad: 'p'.repeat(8000) })
    const holders = await inBatches(attackerAddresses(64, 12), 8, async (localAddress, index) => {
      const probe = await ProbeSocket.open(`${server.collabUrl}/presence`, { localAddress })
      probe.send(awarenessFrame([0, 1, 2, 3].map((k) => ({ client: 50_000 + index * 4 + k, clock: 1, state: state(index) }))))
      expect(await probe.roundTrip()).toBe('alive')
      return probe
    })
    const bystander = await HealthyEditor.start(server, 'presence')
    const impact = await measureAttack(
      server,
      'stall: 2000 query-awareness frames, 256 states of 8 KB',
      () =>
        burst(
          server,
          'presence',
          Array.from({ length: 2000 }, () => encodeQueryAwareness()),
        ),
      { fixedBytes: 64 * MiB },
    )
    await Promise.all(holders.map((probe) => probe.close()))
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.peakGrowthBytes).toBeLessThan(impact.boundBytes)
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('one subscribe frame replaying a channel history of large messages', async () => {
    const server = await HostileServer.start({ PUBLISH_KEY })
    const messages = atScale(300, 1000)
    await inBatches(
      Array.from({ length: messages }, (_, i) => i),
      4,
      async (i) => {
        const response = await fetch(`${server.url}/api/publish`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ channel: `history-${i % 4}`, data: { i, text: 'h'.repeat(60_000) } }),
        })
        expect(response.status).toBe(200)
      },
    )
    const bystander = await HealthyEditor.start(server, 'replay')
    const impact = await measureAttack(
      server,
      `stall: subscribe since 0 to ${messages} messages of 60 KB`,
      () =>
        // Replay goes out at most MAX_EVENT_BUFFER_BYTES (1 MiB) ahead of the reader: history need not be in memory at once.
        burst(server, 'replay', [subscribeFrame(['history-*'], { since: 0 })]),
      { fixedBytes: 32 * MiB },
    )
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.peakGrowthBytes).toBeLessThan(impact.boundBytes)
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })

  it('the largest awareness message: every entry at the state limit, nested to the depth limit', async () => {
    const server = await HostileServer.start()
    const bystander = await HealthyEditor.start(server, 'awareness')
    let nested: unknown = 'x'.repeat(7000)
    for (let depth = 0; depth < 14; depth++) nested = { d: nested }
    const entries = Array.from({ length: 16 }, (_, k) => ({
      client: 90_000 + k,
      clock: 1,
      state: JSON.stringify({ user: { name: 'n', color: 'red' }, nested }),
    }))
    const frames = Array.from({ length: 400 }, (_, clock) =>
      awarenessFrame(entries.slice(0, 4).map((entry) => ({ ...entry, clock: clock + 1 }))),
    )
    const impact = await measureAttack(server, 'stall: 400 awareness frames of 4 nested 7 KB states', () =>
      burst(server, 'awareness', frames),
    )
    await bystander.assertConverged(server)
    server.assertUnharmed()
    expect(impact.stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
  })
})
