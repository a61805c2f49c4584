import { pino } from 'pino'
import { describe, expect, it } from 'vitest'

import { MemoryAuditLog } from '../storage/memory-audit-log.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { TrashKeeper } from './trash-keeper.js'

const DAY = 86_400_000

async function storeWith(...names: string[]): Promise<MemoryDocumentStore> {
  const store = new MemoryDocumentStore()
  for (const name of names) await store.appendUpdates([{ name, updates: [new Uint8Array([0, 0])] }])
  return store
}

describe('TrashKeeper', () => {
  it('purges what stayed in the trash longer than the retention, records it, and keeps the rest', async () => {
    const store = await storeWith('old', 'new', 'live')
    await store.trash('old', 'user:ann')
    await store.trash('new', 'admin')
    const audit = new MemoryAuditLog()
    let now = Date.now() + 10 * DAY
    const keeper = new TrashKeeper({
      store,
      audit,
      trashRetentionMs: 30 * DAY,
      auditRetentionMs: 0,
      logger: pino({ level: 'silent' }),
      now: () => now,
    })
    expect((await keeper.sweep()).purged).toEqual([])

    // "old" now 31 days in the trash, "new" too: both go; the live document stays.
    now += 21 * DAY
    expect((await keeper.sweep()).purged.sort()).toEqual(['new', 'old'])
    expect(await store.trashList()).toEqual([])
    expect(await store.count()).toBe(1)
    expect(await store.deletedAt('old')).not.toBeNull()
    const entries = await audit.list({ limit: 10 })
    expect(entries.map((e) => [e.actor, e.action, e.target]).sort()).toEqual([
      ['system', 'trash.expire', 'new'],
      ['system', 'trash.expire', 'old'],
    ])
    expect(entries.find((e) => e.target === 'old')!.detail).toMatchObject({ trashedBy: 'user:ann' })
    await keeper.close()
  })

  it('keeps the trash forever with a retention of 0, and prunes the audit log by its own retention', async () => {
    const store = await storeWith('a')
    await store.trash('a', 'admin')
    const audit = new MemoryAuditLog()
    const now = Date.now() + 400 * DAY
    await audit.record({ at: now - 366 * DAY, actor: 'admin', action: 'broadcast', target: null, address: null, detail: null })
    await audit.record({ at: now - DAY, actor: 'admin', action: 'broadcast', target: null, address: null, detail: null })
    const keeper = new TrashKeeper({
      store,
      audit,
      trashRetentionMs: 0,
      auditRetentionMs: 365 * DAY,
      logger: pino({ level: 'silent' }),
      now: () => now,
    })
    expect(await keeper.sweep()).toEqual({ purged: [], auditPruned: 1 })
    expect(await store.trashed('a')).not.toBeNull()
    await keeper.close()
  })
})
