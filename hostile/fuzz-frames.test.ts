/**
 * Fuzzing the WebSocket framing layer: malformed RFC 6455 frames written straight to TCP after a real
 * handshake, into the room a stock client is editing. `ws` must refuse each with a protocol close
 * (1002/1007/1009) and the server must neither exit, log an error, stall nor disturb the bystander.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'

import { captureEditingSession } from './support/captured-frames.js'
import { CloseTally } from './support/close-codes.js'
import { mebibytes, milliseconds, recordFigures } from './support/figures.js'
import { FUZZ_ENV } from './support/fuzz-env.js'
import { HealthyEditor } from './support/healthy-editor.js'
import { HostileServer } from './support/hostile-server.js'
import { type FrameAttack, frameAttack } from './support/raw-frame-arbitraries.js'
import { encodeRawFrame, RawWebSocket } from './support/raw-websocket.js'
import { atScale, SEED } from './support/scale.js'
import { StallMeter } from './support/stall-meter.js'

const FRAMES = atScale(2_000, 10_000)
const LANES = 4
const ROOM = 'frames-victim'
/**
 * "Never stalls more than 50 ms". The meter reports an upper bound (CPU ticks of 10 ms plus one tick
 * of slack, see support/stall-meter.ts), so a reading of 50 means at most 50.
 */
const STALL_LIMIT_MS = 50
/** A lying length leaves the server waiting for payload; we give up on such a connection after this. */
const SETTLE_MS = 300

it(`survives ${FRAMES} malformed WebSocket frames (seed ${SEED})`, async () => {
  const server = await HostileServer.start(FUZZ_ENV)
  const captured = await captureEditingSession(server.collabUrl, 'frames-capture')
  const corpus = [...captured.sent, ...captured.received].filter((frame) => frame.length > 0)
  const bystander = await HealthyEditor.start(server, ROOM)
  const before = await server.memory()
  server.resetPeakMemory()
  const meter = new StallMeter(server.url, server.pid)
  await meter.warmUp()

  const closes = new CloseTally()
  const kinds = new Map<string, number>()
  let frames = 0
  let connections = 0
  let abandoned = 0
  let echoedCloses = 0
  const lanes: Array<RawWebSocket | null> = Array.from({ length: LANES }, () => null)
  const attack = async (index: number, { kind, frames: attackFrames, chunkSize }: FrameAttack): Promise<void> => {
    let socket = lanes[index]
    if (!socket || socket.ended || socket.closeCode !== null) {
      connections++
      lanes[index] = socket = await RawWebSocket.open(server.port, `/collab/${ROOM}`)
    }
    for (const frame of attackFrames) socket.write(encodeRawFrame(frame), chunkSize)
    frames += attackFrames.length
    kinds.set(kind, (kinds.get(kind) ?? 0) + attackFrames.length)
    const outcome = await socket.settle(SETTLE_MS)
    if (outcome === 'timeout') {
      abandoned++
      socket.destroy()
    } else if (outcome === 'closed') {
      // A well-formed close frame from us is echoed with our code; only the server's own codes count.
      if (attackFrames.some((frame) => frame.opcode === 0x8)) echoedCloses++
      else closes.add(socket.closeCode ?? 1006)
    }
  }
  console.log(`[hostile] fuzzing ${FRAMES} raw frames with seed ${SEED} (HOSTILE_SEED=${SEED} replays it)`)
  const started = performance.now()
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(frameAttack(corpus), { minLength: LANES, maxLength: LANES }), async (perLane) => {
        await Promise.all(perLane.map((attackOnLane, index) => attack(index, attackOnLane)))
        server.assertUnharmed()
      }),
      // Each case writes 1-12 frames; enough cases that the total passes FRAMES (checked below).
      { seed: SEED, numRuns: Math.ceil(FRAMES / LANES / 1.5), endOnFailure: true },
    )
  } finally {
    for (const socket of lanes) socket?.destroy()
  }
  const seconds = (performance.now() - started) / 1000
  const stall = await meter.report()
  await meter.stop()
  const after = await server.memory()
  recordFigures('fuzz: raw WebSocket frames', {
    frames,
    'per second': Math.round(frames / seconds),
    connections,
    'abandoned (waiting for payload)': abandoned,
    'worst stall (server busy)': milliseconds(stall.worstBusyStallMs),
    'worst health latency': milliseconds(stall.worstLatencyMs),
    'RSS growth (peak)': mebibytes(after.peakRssBytes - before.rssBytes),
    'bystander edits': bystander.edits,
    'bystander worst relay': milliseconds(bystander.worstRelayMs),
  })
  recordFigures('fuzz: raw frame closes', { closes: closes.toString(), 'echoed client closes': echoedCloses })
  recordFigures('fuzz: raw frame kinds', Object.fromEntries(kinds))
  await bystander.assertConverged(server)
  server.assertUnharmed()
  expect(frames).toBeGreaterThanOrEqual(FRAMES)
  closes.assertOnlyRefusals({ allowDropped: true })
  expect(stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
})
