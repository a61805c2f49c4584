import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import { eventually } from '../test-support/eventually.js'
import { type Database, openSqliteDatabase } from './sqlite-database.js'
import { WalFlusher } from './wal-flusher.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function database(): { db: Database; filename: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-flush-'))
  const filename = join(dir, 'tandem.db')
  const db = openSqliteDatabase({ filename, synchronous: 'normal' })
  db.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)')
  cleanups.push(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, filename }
}

const pragma = (db: Database, name: string): unknown => db.pragma(name, { simple: true })

describe('WalFlusher', () => {
  it('takes checkpoints off the main connection and copies every commit into the database each interval', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 50, logger: createLogger('silent') })
    cleanups.push(() => flusher.close())
    expect(pragma(db, 'wal_autocheckpoint')).toBe(0)
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(1000))
    const committedAt = Date.now()
    await eventually(() => {
      const last = flusher.lastFlush
      expect(last?.at).toBeGreaterThan(committedAt)
      expect(last?.copiedFrames).toBeGreaterThan(0)
      expect(last?.copiedFrames).toBe(last?.logFrames)
    })
    // The worker copied it all: the main connection finds nothing left to copy.
    const [own] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[]
    expect(own!.checkpointed).toBe(own!.log)
    expect(flusher.running).toBe(true)
  })

  it('keeps the log bounded under a steady stream of commits', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 20, logger: createLogger('silent') })
    cleanups.push(() => flusher.close())
    await eventually(() => expect(flusher.lastFlush).not.toBeNull(), { timeout: 10_000 })
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    // 15,000 commits of a page or more each, never pausing long: a passive checkpoint alone would
    // almost never see the log fully copied at the moment of a commit, and the log would only grow.
    for (let batch = 0; batch < 150; batch++) {
      for (let i = 0; i < 100; i++) insert.run('y'.repeat(3000))
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    const frames = statSync(`${filename}-wal`).size / (4096 + 24)
    expect(frames).toBeLessThan(9_000)
  })

  it('flushes once more when closed', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 60_000, logger: createLogger('silent') })
    db.prepare('INSERT INTO t (v) VALUES (?)').run('last words')
    expect(flusher.lastFlush).toBeNull()
    await flusher.close()
    expect(flusher.lastFlush).toMatchObject({ type: 'closed' })
    expect(flusher.lastFlush!.copiedFrames).toBeGreaterThan(0)
    expect(flusher.running).toBe(false)
    await flusher.close()
  })

  it('starts a failed worker again three times, then gives checkpoints back to SQLite and says so', async () => {
    const { db } = database()
    const lines: string[] = []
    // No log file beside a file that does not exist: the worker fails as soon as it starts.
    const flusher = new WalFlusher({
      db,
      filename: join(tmpdir(), 'no-such-dir-tandem', 'x.db'),
      intervalMs: 50,
      logger: createLogger('error', 'json', { write: (line: string) => void lines.push(line) }),
    })
    cleanups.push(() => flusher.close())
    await eventually(() => expect(pragma(db, 'wal_autocheckpoint')).toBe(1000), { timeout: 10_000 })
    expect(flusher.running).toBe(false)
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      ...Array.from({ length: 3 }, () => 'the database flush worker stopped; starting it again'),
      'the database flush worker stopped again; SQLite checkpoints on the main thread from now on',
    ])
  })
})
