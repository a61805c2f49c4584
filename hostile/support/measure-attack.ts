/**
 * Runs one attack while measuring what it does to the server: the worst event-loop stall (health
 * pinger), and how far resident memory rose at its peak, against an explicit bound. Figures go to the
 * summary.
 */
import { mebibytes, milliseconds, recordFigures } from './figures.js'
import type { HostileServer } from './hostile-server.js'
import { StallMeter, type StallReport } from './stall-meter.js'

/** Bytes in a mebibyte and a kibibyte, for bounds. */
export const MiB = 1024 * 1024
export const KiB = 1024

/** How long the measurement continues after the attack returned. */
const TRAILING_MS = 300

/**
 * The most resident memory an attack may add: a fixed allowance (V8 grows its heap well before it
 * collects) plus a cost per unit the server legitimately holds (an accepted connection, a loaded
 * room, a subscription), so the bound scales with what the limits admit and nothing else.
 */
export interface MemoryBound {
  fixedBytes: number
  perUnitBytes?: number
  /** Counted after the attack, e.g. the connections the server accepted. */
  units?: () => number
}

/** What an attack did to the server. */
export interface AttackImpact {
  stall: StallReport
  /** Peak RSS during the attack minus RSS before it. */
  peakGrowthBytes: number
  /** The bound that applied (from {@link MemoryBound}). */
  boundBytes: number
}

/**
 * Measure `run` against `server` and record its figures (plus whatever `run` returns) as `attack`.
 * @example
 * const impact = await measureAttack(server, 'step-1 burst', async () => ({ frames: await flood() }), { fixedBytes: 32 * MiB })
 * expect(impact.peakGrowthBytes).toBeLessThan(impact.boundBytes)
 */
export async function measureAttack(
  server: HostileServer,
  attack: string,
  run: () => Promise<Record<string, string | number>>,
  bound: MemoryBound = { fixedBytes: 64 * MiB },
): Promise<AttackImpact> {
  const before = await server.memory()
  server.resetPeakMemory()
  const meter = new StallMeter(server.url, server.pid)
  let figures: Record<string, string | number>
  let stall: StallReport
  try {
    await meter.warmUp()
    figures = await run()
    // Work an attack queued (relays, writes, replays) runs after its last frame was answered.
    await new Promise((resolve) => setTimeout(resolve, TRAILING_MS))
  } finally {
    stall = await meter.report()
    await meter.stop()
  }
  const after = await server.memory()
  const peakGrowthBytes = after.peakRssBytes - before.rssBytes
  const boundBytes = bound.fixedBytes + (bound.perUnitBytes ?? 0) * (bound.units?.() ?? 0)
  recordFigures(attack, {
    ...figures,
    'health checks': stall.pings,
    'worst stall (server busy)': milliseconds(stall.worstBusyStallMs),
    'worst health latency': milliseconds(stall.worstLatencyMs),
    'RSS before': mebibytes(before.rssBytes),
    'RSS growth (peak)': mebibytes(peakGrowthBytes),
    'RSS bound': mebibytes(boundBytes),
  })
  return { stall, peakGrowthBytes, boundBytes }
}
