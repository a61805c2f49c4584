/**
 * The benchmark's side of `heap-probe.cjs`: the environment that preloads it into a server, and
 * the read of a server's JS heap after a full collection.
 */
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'heap-probe.cjs')
/** Where probed servers write their figures (one file per process id). */
const PROBE_DIR = tmpdir()

/** Environment variables that make a Node server started with them answer {@link heapUsedAfterGc}. */
export function heapProbeEnv(): Record<string, string> {
  return { NODE_OPTIONS: `--require "${PROBE}"`, HEAP_PROBE_DIR: PROBE_DIR }
}

/** Bytes of JS heap `pid` (started with {@link heapProbeEnv}) holds right after two full collections. */
export async function heapUsedAfterGc(pid: number, timeoutMs = 10_000): Promise<number> {
  const file = join(PROBE_DIR, `heap-${pid}.json`)
  await rm(file, { force: true })
  process.kill(pid, 'SIGUSR2')
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      const usage = JSON.parse(await readFile(file, 'utf8')) as { heapUsed: number }
      await rm(file, { force: true })
      return usage.heapUsed
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (performance.now() > deadline)
        throw new Error(`process ${pid} did not report its heap within ${timeoutMs} ms (no heap probe?)`, { cause: error })
      await sleep(10)
    }
  }
}
