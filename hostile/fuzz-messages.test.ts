/**
 * Fuzzing the document socket: generated and mutated y-websocket messages, in batches of one to
 * three on four connections at once, a fresh connection whenever the server closed the last one,
 * into the room a stock client is editing. A ping after each batch tells which batches were handled.
 * The server must not exit, log an error or stall, must close offenders only with documented codes,
 * and the bystander must keep editing and converge.
 */
import { CloseCode } from '@tandem/protocol'
import fc from 'fast-check'
import { expect, it } from 'vitest'

import { captureEditingSession } from './support/captured-frames.js'
import { CloseTally } from './support/close-codes.js'
import { hostileCollabMessage, type HostileMessage } from './support/collab-message-arbitraries.js'
import { mebibytes, milliseconds, recordFigures } from './support/figures.js'
import { FUZZ_ENV } from './support/fuzz-env.js'
import { HealthyEditor } from './support/healthy-editor.js'
import { HostileServer } from './support/hostile-server.js'
import { ProbeSocket, UpgradeRefused } from './support/probe-socket.js'
import { atScale, SEED } from './support/scale.js'
import { StallMeter } from './support/stall-meter.js'

const MESSAGES = atScale(12_000, 100_000)
/** Messages per batch; the server stops reading a connection it closes, so a batch's tail may go unread. */
const MAX_BATCH = 3
/** Connections attacking at once, so the handshakes of replacements overlap. */
const LANES = 4
const ROOM = 'fuzz-victim'
/** Longest the server may be busy with one batch (see README: event-loop stalls). */
/**
 * "Never stalls more than 50 ms". The meter reports an upper bound (CPU ticks of 10 ms plus one tick
 * of slack, see support/stall-meter.ts), so a reading of 50 means at most 50.
 */
const STALL_LIMIT_MS = 50

it(`survives ${MESSAGES} generated and mutated y-websocket messages (seed ${SEED})`, async () => {
  const server = await HostileServer.start(FUZZ_ENV)
  const captured = await captureEditingSession(server.collabUrl, 'fuzz-capture')
  const corpus = [...captured.sent, ...captured.received]
  const bystander = await HealthyEditor.start(server, ROOM)
  const before = await server.memory()
  server.resetPeakMemory()
  const meter = new StallMeter(server.url, server.pid)
  await meter.warmUp()

  const kinds = new Map<string, number>()
  const closes = new CloseTally()
  let sent = 0
  /** Messages the server certainly decoded: a lower bound, asserted against MESSAGES. */
  let handled = 0
  let connections = 0
  let refusals = 0
  const lanes: Array<ProbeSocket | null> = Array.from({ length: LANES }, () => null)
  const connect = async (): Promise<ProbeSocket> => {
    for (;;) {
      try {
        connections++
        return await ProbeSocket.open(`${server.collabUrl}/${ROOM}`)
      } catch (error) {
        // A limit on connections or upgrades is a fine answer; count it and try again shortly.
        if (!(error instanceof UpgradeRefused) || (error.status !== 429 && error.closeCode !== CloseCode.RateLimited)) throw error
        refusals++
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  }
  /** Send one batch on lane `index`, reconnecting first if its last batch got it closed. */
  const attack = async (index: number, batch: HostileMessage[]): Promise<void> => {
    let probe = lanes[index]
    if (!probe?.isOpen) lanes[index] = probe = await connect()
    for (const message of batch) {
      probe.send(message.bytes)
      sent++
      kinds.set(message.kind, (kinds.get(message.kind) ?? 0) + 1)
    }
    const outcome = await probe.roundTrip()
    // Answered: every message was handled. Closed: at least the first one was (it or a later one closed it).
    handled += outcome === 'alive' ? batch.length : 1
    if (outcome === 'closed') closes.add(probe.closedWith!.code)
    if (outcome === 'timeout') throw new Error('the server did not answer a ping within 5 s of the batch')
  }
  console.log(`[hostile] fuzzing ${MESSAGES} messages with seed ${SEED} (HOSTILE_SEED=${SEED} replays it)`)
  const started = performance.now()
  const batches = fc.array(fc.array(hostileCollabMessage(corpus), { minLength: 1, maxLength: MAX_BATCH }), {
    minLength: LANES,
    maxLength: LANES,
  })
  try {
    await fc.assert(
      fc.asyncProperty(batches, async (perLane) => {
        await Promise.all(perLane.map((batch, index) => attack(index, batch)))
        server.assertUnharmed()
      }),
      // Every lane's batch gets at least one message handled, so this many runs handle MESSAGES.
      { seed: SEED, numRuns: Math.ceil(MESSAGES / LANES), endOnFailure: true },
    )
  } finally {
    await Promise.all(lanes.map((probe) => probe?.close() ?? Promise.resolve()))
  }
  const seconds = (performance.now() - started) / 1000
  const stall = await meter.report()
  await meter.stop()
  const after = await server.memory()

  recordFigures('fuzz: y-websocket messages', {
    'messages sent': sent,
    'messages handled (at least)': handled,
    'per second': Math.round(sent / seconds),
    connections,
    'refused upgrades': refusals,
    'worst stall (server busy)': milliseconds(stall.worstBusyStallMs),
    'worst health latency': milliseconds(stall.worstLatencyMs),
    'RSS growth (peak)': mebibytes(after.peakRssBytes - before.rssBytes),
    'bystander edits': bystander.edits,
    'bystander worst relay': milliseconds(bystander.worstRelayMs),
  })
  recordFigures('fuzz: close codes', { closes: closes.toString() })
  recordFigures('fuzz: message kinds', Object.fromEntries(kinds))
  await bystander.assertConverged(server)
  server.assertUnharmed()
  expect(handled).toBeGreaterThanOrEqual(MESSAGES)
  closes.assertOnlyRefusals()
  expect(stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
})
