/**
 * What an fsync costs on the disk the benchmark servers write to: the floor under power-safe mode's
 * edit latency, against which its overhead is judged (issue target: p50 ≤ fsync p50 + 0.5 ms).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

import { summarize } from './distribution.js'
import { TempDir } from './temp-dir.js'

/** Append a 4 KiB page and fsync it, `count` times, in a fresh directory under the OS temp dir; p50 and p99 in ms. */
export function probeFsync(count = 200): { p50: number; p99: number } {
  const dir = new TempDir('tandem-fsync-probe')
  try {
    const fd = openSync(join(dir.path, 'probe'), 'w')
    const page = Buffer.alloc(4096, 1)
    const times: number[] = []
    try {
      for (let i = 0; i < count; i++) {
        writeSync(fd, page)
        const started = performance.now()
        fsyncSync(fd)
        times.push(performance.now() - started)
      }
    } finally {
      closeSync(fd)
    }
    const { p50, p99 } = summarize(times)
    return { p50, p99 }
  } finally {
    dir.remove()
  }
}
