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

  it('starts no worker while nothing is written, and counts the log durable meanwhile', async () => {
    const { db, filename } = database()
    db.prepare('INSERT INTO t (v) VALUES (?)').run('written before the flusher started')
    const flusher = new WalFlusher({ db, filename, intervalMs: 20, logger: createLogger('silent') })
    cleanups.push(() => flusher.close())
    // What opening left in the log was flushed at once, on this thread.
    const [own] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[]
    expect(own!.checkpointed).toBe(own!.log)
    const startedAt = flusher.lastFlush.at
    await eventually(() => expect(flusher.lastFlush.at).toBeGreaterThan(startedAt + 60))
    expect(flusher.workerStarted).toBe(false)
  })

  it('starts the worker at the first commit and stops it once nothing came for a while', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 20, idleMs: 200, logger: createLogger('silent') })
    cleanups.push(() => flusher.close())
    db.prepare('INSERT INTO t (v) VALUES (?)').run('wakes it')
    await eventually(() => expect(flusher.workerStarted).toBe(true))
    await eventually(() => expect(flusher.lastFlush.copiedFrames).toBeGreaterThan(0))
    await eventually(() => expect(flusher.workerStarted).toBe(false), { timeout: 5_000 })
    // And again, when writes come back: flushed by a new worker (its first flush, or its last one
    // if it stopped again before this looked).
    const stopped = flusher.lastFlush
    db.prepare('INSERT INTO t (v) VALUES (?)').run('wakes it again')
    await eventually(() => {
      expect(flusher.lastFlush).not.toBe(stopped)
      expect(flusher.lastFlush.copiedFrames).toBeGreaterThan(0)
    })
    expect(flusher.running).toBe(true)
  })

  it('keeps the log bounded under a steady stream of commits', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 20, logger: createLogger('silent') })
    cleanups.push(() => flusher.close())
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    // The worker is up (it starts at the first commit; from TypeScript sources that takes a while).
    const atStart = flusher.lastFlush
    insert.run('first')
    await eventually(() => expect(flusher.lastFlush).not.toBe(atStart), { timeout: 10_000 })
    expect(flusher.workerStarted).toBe(true)
    // 15,000 commits of a page or more each, never pausing long: a passive checkpoint alone would
    // almost never see the log fully copied at the moment of a commit, and the log would only grow
    // (to 15,000 frames or more: every commit adds at least one).
    for (let batch = 0; batch < 150; batch++) {
      for (let i = 0; i < 100; i++) insert.run('y'.repeat(3000))
      await new Promise((resolve) => setTimeout(resolve, 2))
      // On a machine too busy to give the worker its turns (a CI run with every suite at once), the
      // stream waits for a flush now and then: what is tested is that the worker's flushes keep the
      // log bounded, not how often a loaded machine schedules a thread.
      if (batch % 25 === 24) {
        const seen = flusher.lastFlush
        await eventually(() => expect(flusher.lastFlush).not.toBe(seen), { timeout: 10_000 })
      }
    }
    const frames = statSync(`${filename}-wal`).size / (4096 + 24)
    expect(frames).toBeLessThan(9_000)
  })

  it('flushes once more when closed', async () => {
    const { db, filename } = database()
    const flusher = new WalFlusher({ db, filename, intervalMs: 60_000, logger: createLogger('silent') })
    db.prepare('INSERT INTO t (v) VALUES (?)').run('last words')
    expect(flusher.lastFlush).toMatchObject({ type: 'flushed' })
    await flusher.close()
    expect(flusher.lastFlush).toMatchObject({ type: 'closed' })
    expect(flusher.lastFlush.copiedFrames).toBeGreaterThan(0)
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
    // Something to flush at every tick, so that a worker is wanted each time.
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const writer = setInterval(() => insert.run('x'), 10)
    cleanups.push(() => clearInterval(writer))
    await eventually(() => expect(pragma(db, 'wal_autocheckpoint')).toBe(1000), { timeout: 10_000 })
    expect(flusher.running).toBe(false)
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      ...Array.from({ length: 3 }, () => 'the database flush worker stopped; starting it again'),
      'the database flush worker stopped again; SQLite checkpoints on the main thread from now on',
    ])
  })
})
