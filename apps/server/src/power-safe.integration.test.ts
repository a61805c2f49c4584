import { fsync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { LogSync } from './storage/log-sync.js'
import { openSqliteDatabase } from './storage/sqlite-database.js'
import { SqliteDocumentStore } from './storage/sqlite-document-store.js'
import { SqliteMessageStore } from './storage/sqlite-message-store.js'
import { eventually } from './test-support/eventually.js'
import { connectClient, startTestServer } from './test-support/test-server.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-power-safe-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/**
 * A server set up as `DURABILITY=power-safe` runs it, on a disk whose fsyncs the test holds: while
 * one is held, nothing it covers may be relayed, and nothing else may wait for it.
 */
async function powerSafeServer() {
  const filename = join(dataDir, `tandem-${Math.random().toString(36).slice(2)}.db`)
  const db = openSqliteDatabase({ filename, synchronous: 'normal' })
  let held: Array<() => void> | null = null
  const logSync = new LogSync({
    filename,
    fsync: (fd, done) => {
      const run = (): void => fsync(fd, done)
      if (held) held.push(run)
      else run()
    },
  })
  const durable = { durable: () => logSync.sync() }
  const store = new SqliteDocumentStore(db, durable)
  const server = await startTestServer({}, store, { messages: new SqliteMessageStore(db, durable) })
  onTestFinished(async () => {
    await server.close()
    await store.close()
    await logSync.close()
    db.close()
  })
  return {
    server,
    logSync,
    holdDisk: () => (held = []),
    releaseDisk: () => {
      const waiting = held ?? []
      held = null
      for (const run of waiting) run()
    },
    heldSyncs: () => held?.length ?? 0,
  }
}

describe('power-safe mode: relays wait for the fsync, nothing else does', () => {
  it('holds an edit until its fsync finishes, while health, awareness, joins and other rooms carry on', async () => {
    const { server, logSync, holdDisk, releaseDisk, heldSyncs } = await powerSafeServer()
    const author = await connectClient(server, 'slow-disk')
    const witness = await connectClient(server, 'slow-disk')
    const other = await connectClient(server, 'other-room')
    const otherWitness = await connectClient(server, 'other-room')
    other.text.insert(0, 'stored before the disk slowed')
    // Relayed, so durable.
    await eventually(() => expect(otherWitness.text.toString()).toBe('stored before the disk slowed'))

    holdDisk()
    author.text.insert(0, 'waits for the disk')
    await eventually(() => expect(heldSyncs()).toBe(1))

    // The event loop is free: health answers, awareness flows, a newcomer to a durable room syncs.
    const health = await fetch(`${server.url}/api/health`)
    expect(health.status).toBe(200)
    author.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await eventually(() => expect(witness.provider.awareness.getStates().get(author.doc.clientID)).toEqual({ user: { name: 'Ada' } }))
    const newcomer = await connectClient(server, 'other-room')
    expect(newcomer.text.toString()).toBe('stored before the disk slowed')
    // Edits in the meantime commit and share the next fsync rather than queue one each.
    for (let i = 0; i < 5; i++) other.text.insert(0, `${i}`)
    await eventually(() => expect(server.registry.get('other-room')?.doc.getText('t').length).toBe(34))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(heldSyncs()).toBe(1)

    // Not relayed while its fsync is held.
    expect(witness.text.toString()).toBe('')
    expect(newcomer.text.toString()).toBe('stored before the disk slowed')

    const before = { ...logSync.stats }
    releaseDisk()
    await eventually(() => expect(witness.text.toString()).toBe('waits for the disk'))
    await eventually(() => expect(newcomer.text.toString()).toBe('43210stored before the disk slowed'))
    expect(logSync.stats.syncs - before.syncs).toBeLessThanOrEqual(2)
  })
})
