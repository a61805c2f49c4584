/** Memory of another process, read from Linux `/proc` (the server runs as a child process). */
import { readFile } from 'node:fs/promises'

/** Resident set size now and at its peak, in bytes. */
export interface ProcessMemory {
  rssBytes: number
  peakRssBytes: number
}

/** Read `VmRSS` and `VmHWM` of `pid`; `null` where `/proc` does not exist (macOS) or the process is gone. */
export async function readProcessMemory(pid: number): Promise<ProcessMemory | null> {
  let status: string
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const kib = (field: string): number | null => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
    return match ? Number(match[1]) * 1024 : null
  }
  const rssBytes = kib('VmRSS')
  const peakRssBytes = kib('VmHWM')
  return rssBytes === null || peakRssBytes === null ? null : { rssBytes, peakRssBytes }
}
