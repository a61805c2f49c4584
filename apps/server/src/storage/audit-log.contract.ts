/**
 * The behaviour every {@link AuditLog} must have. Each implementation's test file calls
 * {@link describeAuditLog} with a factory returning a fresh, empty log and a way to close it.
 */
import { describe, expect, it } from 'vitest'

import type { AuditLog, NewAuditEntry } from './audit-log.js'

const entry = (overrides: Partial<NewAuditEntry>): NewAuditEntry => ({
  at: 1_000,
  actor: 'admin',
  action: 'room.delete',
  target: 'notes',
  address: '203.0.113.7',
  detail: null,
  ...overrides,
})

/** Register the contract tests for the logs made by `create`. */
export function describeAuditLog(label: string, create: () => Promise<{ log: AuditLog; close(): Promise<void> }>): void {
  describe(`AuditLog contract: ${label}`, () => {
    const withLog = async (body: (log: AuditLog) => Promise<void>): Promise<void> => {
      const made = await create()
      try {
        await body(made.log)
      } finally {
        await made.close()
      }
    }

    it('gives entries back newest first, whole, a page at a time', () =>
      withLog(async (log) => {
        await log.record(entry({ at: 1, target: 'a', detail: { format: 'html', nested: { n: 1 } } }))
        await log.record(entry({ at: 2, target: null, address: null, action: 'broadcast', actor: 'admin' }))
        await log.record(entry({ at: 3, target: 'c', actor: 'user:ann' }))
        const all = await log.list({ limit: 10 })
        expect(all.map((e) => e.at)).toEqual([3, 2, 1])
        expect(all[2]).toMatchObject({ actor: 'admin', action: 'room.delete', target: 'a', address: '203.0.113.7' })
        expect(all[2]!.detail).toEqual({ format: 'html', nested: { n: 1 } })
        expect(all[1]).toMatchObject({ target: null, address: null, detail: null })
        expect(all[0]!.id).toBeGreaterThan(all[1]!.id)

        const first = await log.list({ limit: 2 })
        expect(first.map((e) => e.at)).toEqual([3, 2])
        const next = await log.list({ limit: 2, before: first.at(-1)!.id })
        expect(next.map((e) => e.at)).toEqual([1])
        expect(await log.list({ limit: 2, before: next[0]!.id })).toEqual([])
      }))

    it('filters by action family and by actor or target text', () =>
      withLog(async (log) => {
        await log.record(entry({ action: 'room.delete', target: 'Plans' }))
        await log.record(entry({ action: 'room.export', target: 'minutes' }))
        await log.record(entry({ action: 'roomy', target: 'x' }))
        await log.record(entry({ action: 'trash.restore', target: 'plans', actor: 'admin' }))
        await log.record(entry({ action: 'token.mint', target: 'user:bob', actor: 'admin' }))
        expect((await log.list({ limit: 10, action: 'room' })).map((e) => e.action)).toEqual(['room.export', 'room.delete'])
        expect((await log.list({ limit: 10, action: 'room.delete' })).map((e) => e.target)).toEqual(['Plans'])
        expect((await log.list({ limit: 10, text: 'PLAN' })).map((e) => e.action)).toEqual(['trash.restore', 'room.delete'])
        expect((await log.list({ limit: 10, text: 'bob' })).map((e) => e.action)).toEqual(['token.mint'])
        expect((await log.list({ limit: 10, text: '%' })).map((e) => e.action)).toEqual([])
        expect((await log.list({ limit: 10, action: 'trash', text: 'plans' })).map((e) => e.action)).toEqual(['trash.restore'])
      }))

    it('prunes entries older than a time', () =>
      withLog(async (log) => {
        for (const at of [10, 20, 30]) await log.record(entry({ at }))
        expect(await log.prune(25)).toBe(2)
        expect((await log.list({ limit: 10 })).map((e) => e.at)).toEqual([30])
      }))
  })
}
