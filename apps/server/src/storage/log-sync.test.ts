import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it, vi } from 'vitest'

import { LogSync } from './log-sync.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-log-sync-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
/** A database file name whose `-wal` exists, as after SQLite opened it in WAL mode. */
function databaseFile(): string {
  const filename = join(dir, `db-${files++}`)
  writeFileSync(`${filename}-wal`, 'frames')
  return filename
}

/** An fsync that finishes only when the test says so. */
function manualDisk(): { fsync: (fd: number, done: (error: Error | null) => void) => void; calls: number; finish(error?: Error): void } {
  const pending: Array<(error: Error | null) => void> = []
  const disk = {
    calls: 0,
    fsync: (_fd: number, done: (error: Error | null) => void) => {
      disk.calls++
      pending.push(done)
    },
    finish: (error?: Error) => pending.shift()!(error ?? null),
  }
  return disk
}

const settled = async (promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> =>
  Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ])

describe('LogSync', () => {
  it('fsyncs the real log file and counts it', async () => {
    const sync = new LogSync({ filename: databaseFile() })
    await sync.sync()
    await sync.sync()
    expect(sync.stats.syncs).toBe(2)
    expect(sync.stats.commits).toBe(2)
    await sync.close()
  })

  it('resolves a call only after an fsync that started after it, and groups the calls that waited', async () => {
    const disk = manualDisk()
    const sync = new LogSync({ filename: databaseFile(), fsync: disk.fsync })
    const first = sync.sync()
    expect(disk.calls).toBe(1)
    // Committed while the first fsync runs: that fsync may have missed them.
    const second = sync.sync()
    const third = sync.sync()
    expect(disk.calls).toBe(1)
    disk.finish()
    expect(await settled(first)).toBe('resolved')
    expect(await settled(second)).toBe('pending')
    // One more fsync, for both.
    expect(disk.calls).toBe(2)
    disk.finish()
    expect(await settled(second)).toBe('resolved')
    expect(await settled(third)).toBe('resolved')
    expect(sync.stats).toMatchObject({ syncs: 2, commits: 3 })
    expect(disk.calls).toBe(2)
  })

  it('refuses every waiting and later call once the disk fails, and says so once', async () => {
    const disk = manualDisk()
    const onDurabilityLost = vi.fn()
    const sync = new LogSync({ filename: databaseFile(), fsync: disk.fsync, onDurabilityLost })
    const first = sync.sync()
    const second = sync.sync()
    disk.finish(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))
    await expect(first).rejects.toThrow(/EIO/)
    await expect(second).rejects.toThrow(/EIO/)
    await expect(sync.sync()).rejects.toThrow(/EIO/)
    expect(onDurabilityLost).toHaveBeenCalledTimes(1)
    // A later success proves nothing: no further fsync is even tried.
    expect(disk.calls).toBe(1)
  })

  it('close waits for the fsync in flight and the calls behind it', async () => {
    const disk = manualDisk()
    const sync = new LogSync({ filename: databaseFile(), fsync: disk.fsync })
    const first = sync.sync()
    const second = sync.sync()
    const closed = sync.close()
    disk.finish()
    await first
    disk.finish()
    await second
    await closed
    await expect(sync.sync()).rejects.toThrow(/closed/)
  })
})
