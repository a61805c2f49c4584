/**
 * CPU time used by another process, read from Linux `/proc/<pid>/stat`. On a shared machine wall-clock
 * latency depends on the neighbours; CPU time spent per message depends mostly on the server itself.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

/** Kernel clock ticks per second, the unit of `utime`/`stime`; 100 on every mainstream Linux. */
function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}

let ticksPerSecond: number | undefined

/**
 * User + system CPU milliseconds `pid` has used so far, all threads included (10 ms resolution);
 * `null` where `/proc` does not exist or the process is gone.
 */
export async function readProcessCpuMs(pid: number): Promise<number | null> {
  let stat: string
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name may contain spaces and parentheses; the numeric fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null
  ticksPerSecond ??= clockTicksPerSecond()
  return ((utime + stime) * 1000) / ticksPerSecond
}
