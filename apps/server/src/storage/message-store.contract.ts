/**
 * The behaviour every {@link MessageStore} must have. Each implementation's test file calls
 * {@link describeMessageStore} with a factory returning a fresh, empty store.
 */
import { describe, expect, it } from 'vitest'

import { type MessageStore, selectorFor } from './message-store.js'

const keepAll = () => ({ maxMessages: 1_000_000, maxAgeMs: 1e12 })

/** Register the contract tests for the store made by `create`. */
export function describeMessageStore(label: string, create: () => Promise<MessageStore>): void {
  describe(`MessageStore contract: ${label}`, () => {
    const withStore = async (body: (store: MessageStore) => Promise<void>): Promise<void> => {
      const store = await create()
      try {
        await body(store)
      } finally {
        await store.close()
      }
    }

    it('gives strictly increasing ids across channels and returns JSON data intact', () =>
      withStore(async (store) => {
        const first = await store.append(['a', 'b'], '{"n":1,"s":"x\\ny"}', 1000)
        const second = await store.append(['a'], '"plain"', 1001)
        const ids = [...first.messages, ...second.messages].map((m) => m.id)
        expect(ids).toEqual([...ids].sort((x, y) => x - y))
        expect(new Set(ids).size).toBe(3)
        expect(first.messages.map((m) => m.channel)).toEqual(['a', 'b'])
        expect(await store.since(selectorFor(['a']), 0, 10)).toEqual([
          { id: ids[0], channel: 'a', data: { n: 1, s: 'x\ny' }, ts: 1000 },
          { id: ids[2], channel: 'a', data: 'plain', ts: 1001 },
        ])
      }))

    it('reads after an id, by exact names and by prefix, oldest first, up to a limit', () =>
      withStore(async (store) => {
        for (const channel of ['room:a', 'room_b', 'room:b', 'news', 'room:a']) await store.append([channel], '1', 1)
        const all = await store.since(selectorFor(['room:*', 'news']), 0, 100)
        expect(all.map((m) => m.channel)).toEqual(['room:a', 'room:b', 'news', 'room:a'])
        const after = await store.since(selectorFor(['room:*']), all[1]!.id, 100)
        expect(after.map((m) => m.id)).toEqual([all[3]!.id])
        expect(await store.since(selectorFor(['room:*', 'news']), 0, 2)).toHaveLength(2)
        // "_" is a plain character, not a wildcard.
        expect((await store.since(selectorFor(['room_*']), 0, 100)).map((m) => m.channel)).toEqual(['room_b'])
      }))

    it('stops a read at a byte budget, after the message that reaches it, and always returns one', () =>
      withStore(async (store) => {
        for (let i = 0; i < 6; i++) await store.append(['big'], JSON.stringify('x'.repeat(998)), 1)
        await store.append(['big'], JSON.stringify('y'.repeat(5000)), 1)
        // Each message is 1,000 characters of JSON: the third reaches 2,500.
        const page = await store.since(selectorFor(['big*']), 0, 100, 2_500)
        expect(page.map((m) => (m.data as string).length)).toEqual([998, 998, 998])
        const rest = await store.since(selectorFor(['big*']), page.at(-1)!.id, 100, 2_500)
        expect(rest).toHaveLength(3)
        const huge = await store.since(selectorFor(['big']), rest.at(-1)!.id, 100, 10)
        expect(huge.map((m) => (m.data as string).length)).toEqual([5000])
        expect(await store.since(selectorFor(['big']), 0, 2, 1_000_000)).toHaveLength(2)
      }))

    it('keeps the newest messages under a count limit and reports the gap it leaves', () =>
      withStore(async (store) => {
        const ids: number[] = []
        for (let i = 0; i < 10; i++) ids.push((await store.append(['c'], String(i), 1000 + i)).messages[0]!.id)
        await store.append(['other'], '0', 1000)
        const deleted = await store.prune('c', () => ({ maxMessages: 4, maxAgeMs: 1e12 }), 2000)
        expect(deleted).toBe(6)
        expect((await store.since(selectorFor(['c']), 0, 100)).map((m) => m.data)).toEqual([6, 7, 8, 9])
        // A reader who saw message 5 (index 5) missed 6? No: 6 is kept. One who saw message 3 missed 4 and 5.
        expect(await store.gaps(selectorFor(['c']), ids[5]!)).toEqual([])
        expect(await store.gaps(selectorFor(['c']), ids[3]!)).toEqual(['c'])
        expect(await store.gaps(selectorFor(['c*']), 0)).toEqual(['c'])
        expect(await store.gaps(selectorFor(['other']), 0)).toEqual([])
      }))

    it('drops messages older than the age limit, for every channel at once', () =>
      withStore(async (store) => {
        await store.append(['a'], '"old"', 1_000)
        await store.append(['b'], '"old"', 1_000)
        await store.append(['a'], '"new"', 9_000)
        const deleted = await store.prune(null, () => ({ maxMessages: 100, maxAgeMs: 5_000 }), 10_000)
        expect(deleted).toBe(2)
        expect((await store.since(selectorFor(['a', 'b']), 0, 10)).map((m) => m.data)).toEqual(['new'])
      }))

    it('never reuses an id after retention deleted the newest rows', () =>
      withStore(async (store) => {
        const first = (await store.append(['a'], '1', 1)).messages[0]!.id
        await store.prune(null, () => ({ maxMessages: 0, maxAgeMs: 1e12 }), 2)
        const next = (await store.append(['a'], '2', 3)).messages[0]!.id
        expect(next).toBeGreaterThan(first)
      }))

    it('answers a repeated idempotency key with the first messages until it expires', () =>
      withStore(async (store) => {
        const first = await store.append(['a', 'b'], '1', 1000, { key: 'k1', expiresAt: 5000 })
        const again = await store.append(['a', 'b'], '2', 2000, { key: 'k1', expiresAt: 6000 })
        expect(again).toEqual({ messages: first.messages, duplicate: true })
        expect(await store.since(selectorFor(['a', 'b']), 0, 10)).toHaveLength(2)
        const later = await store.append(['a'], '3', 5000, { key: 'k1', expiresAt: 9000 })
        expect(later.duplicate).toBe(false)
        await store.prune(null, keepAll, 9000)
        expect((await store.append(['a'], '4', 9001, { key: 'k1', expiresAt: 10_000 })).duplicate).toBe(false)
      }))

    it('scopes an idempotency key to its set of channels: the same key elsewhere publishes', () =>
      withStore(async (store) => {
        const onA = await store.append(['a'], '1', 1000, { key: 'k', expiresAt: 5000 })
        const onB = await store.append(['b'], '2', 1000, { key: 'k', expiresAt: 5000 })
        expect(onB.duplicate).toBe(false)
        expect(onB.messages[0]!.id).toBeGreaterThan(onA.messages[0]!.id)
        const both = await store.append(['a', 'b'], '3', 1000, { key: 'k', expiresAt: 5000 })
        expect(both.duplicate).toBe(false)
        // The same set in another order is the same scope.
        expect(await store.append(['b', 'a'], '4', 1001, { key: 'k', expiresAt: 5000 })).toEqual({
          messages: both.messages,
          duplicate: true,
        })
        expect(await store.append(['a'], '5', 1001, { key: 'k', expiresAt: 5000 })).toEqual({ messages: onA.messages, duplicate: true })
        expect((await store.since(selectorFor(['a', 'b']), 0, 10)).map((m) => m.data)).toEqual([1, 2, 3, 3])
      }))

    it('forgets channels retention emptied, and still reports the gaps they leave', () =>
      withStore(async (store) => {
        const gone = (await store.append(['gone'], '"old"', 1_000)).messages[0]!.id
        const kept = (await store.append(['kept'], '"new"', 9_000)).messages[0]!.id
        await store.prune(null, () => ({ maxMessages: 100, maxAgeMs: 5_000 }), 10_000)
        expect(await store.since(selectorFor(['gone', 'kept']), 0, 10)).toHaveLength(1)
        // Resuming from before the forgotten messages: a gap by name, and on every pattern.
        expect(await store.gaps(selectorFor(['gone']), gone - 1)).toEqual(['gone'])
        expect(await store.gaps(selectorFor(['g*']), gone - 1)).toEqual(['g*'])
        // A channel that is still known and lost nothing has no gap.
        expect(await store.gaps(selectorFor(['kept']), gone - 1)).toEqual([])
        // From after them, nothing was lost.
        expect(await store.gaps(selectorFor(['gone', 'g*', 'never']), gone)).toEqual([])
        // Publishing again starts the channel at the floor: what was forgotten before stays a gap.
        await store.append(['gone'], '"again"', 11_000)
        expect(await store.gaps(selectorFor(['gone']), gone - 1)).toEqual(['gone'])
        expect(await store.gaps(selectorFor(['gone']), kept)).toEqual([])
        expect((await store.since(selectorFor(['gone']), 0, 10)).map((m) => m.data)).toEqual(['again'])
      }))
  })
}
