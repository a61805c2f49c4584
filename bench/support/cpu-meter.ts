/**
 * CPU spent during one measured phase, by the server process and by this process (all the clients).
 * Dividing by the work done gives a cost per message that, unlike latency, barely moves when other
 * programs compete for the cores.
 */
import type { BenchServer } from './bench-server.js'

/** CPU milliseconds used during the phase. */
export interface CpuSpent {
  /** `null` where `/proc` is not available. */
  serverMs: number | null
  clientMs: number
}

/**
 * Start measuring; call the returned function at the end of the phase.
 * @example
 * const stopMeter = await startCpuMeter(server)
 * // ... the measured work ...
 * const { serverMs, clientMs } = await stopMeter()
 */
export async function startCpuMeter(server: BenchServer): Promise<() => Promise<CpuSpent>> {
  const serverStart = await server.cpuMs()
  const clientStart = process.cpuUsage()
  return async () => {
    const serverEnd = await server.cpuMs()
    const client = process.cpuUsage(clientStart)
    return {
      serverMs: serverStart === null || serverEnd === null ? null : serverEnd - serverStart,
      clientMs: (client.user + client.system) / 1000,
    }
  }
}
