import { describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import type { ChannelMessage } from '../storage/message-store.js'
import { InvalidChannelError, NotificationHub } from './notification-hub.js'

function hub(options: { maxMessages?: number; maxAgeMs?: number; now?: () => number } = {}) {
  const store = new MemoryMessageStore()
  return new NotificationHub({
    store,
    logger: createLogger('silent'),
    retentionFor: () => ({ maxMessages: options.maxMessages ?? 1000, maxAgeMs: options.maxAgeMs ?? 7 * 86_400_000 }),
    now: options.now,
  })
}

describe('NotificationHub', () => {
  it('assigns strictly increasing ids and dispatches in id order, even for concurrent publishes', async () => {
    const h = hub()
    const seen: ChannelMessage[] = []
    h.on(
      () => true,
      (message) => seen.push(message),
    )
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => h.publish([i % 2 ? 'a' : 'b'], { i })))
    const ids = results.map((r) => Object.values(r.ids)[0]!)
    expect(ids).toEqual([...ids].sort((x, y) => x - y))
    expect(seen.map((m) => m.id)).toEqual(ids)
    expect(seen.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('publishes to several channels with one id each, and only to matching listeners', async () => {
    const h = hub()
    const news: string[] = []
    const off = h.on(
      (channel) => channel === 'news',
      (message) => news.push(message.channel),
    )
    const { ids } = await h.publish(['news', 'other'], 'hello')
    expect(Object.keys(ids)).toEqual(['news', 'other'])
    expect(ids.other).toBe(ids.news! + 1)
    off()
    await h.publish(['news'], 'after unsubscribe')
    expect(news).toEqual(['news'])
    expect(h.listenerCount).toBe(0)
  })

  it('keeps only the retained history per channel and reports the gap', async () => {
    const h = hub({ maxMessages: 3 })
    const ids: number[] = []
    for (let i = 0; i < 6; i++) ids.push((await h.publish(['c'], i)).ids.c!)
    expect((await h.history(['c'], 0, 100)).map((m) => m.data)).toEqual([3, 4, 5])
    expect(await h.gaps(['c'], ids[1]!)).toEqual(['c'])
    expect(await h.gaps(['c'], ids[2]!)).toEqual([])
  })

  it('expires history by age when pruned', async () => {
    let now = 1_000_000
    const h = hub({ maxAgeMs: 1000, now: () => now })
    await h.publish(['c'], 'old')
    now += 5000
    expect(await h.pruneAll()).toBe(1)
    await h.publish(['c'], 'new')
    expect((await h.history(['c'], 0, 10)).map((m) => m.data)).toEqual(['new'])
    expect(await h.gaps(['c'], 0)).toEqual(['c'])
  })

  it('answers a repeated idempotency key with the first ids and publishes nothing', async () => {
    const h = hub()
    const seen: unknown[] = []
    h.on(
      () => true,
      (message) => seen.push(message.data),
    )
    const first = await h.publish(['a', 'b'], 1, { idempotencyKey: 'order-17' })
    const repeat = await h.publish(['a', 'b'], 2, { idempotencyKey: 'order-17' })
    expect(repeat).toEqual({ ids: first.ids, duplicate: true })
    expect(seen).toEqual([1, 1])
    expect(h.counters.published).toBe(2)
  })

  it('refuses invalid channel names before storing anything', async () => {
    const h = hub()
    await expect(h.publish(['ok', 'not ok'], 1)).rejects.toBeInstanceOf(InvalidChannelError)
    await expect(h.publish([], 1)).rejects.toBeInstanceOf(InvalidChannelError)
    expect(await h.history(['ok'], 0, 10)).toEqual([])
  })

  it('amortizes count retention for large limits: at least the limit and at most 10% more', async () => {
    const h = hub({ maxMessages: 100 })
    const ids: number[] = []
    for (let i = 0; i < 235; i++) ids.push((await h.publish(['big'], i)).ids.big!)
    const kept = (await h.history(['big'], 0, 1000)).map((m) => m.id)
    expect(kept.length).toBeGreaterThanOrEqual(100)
    expect(kept.length).toBeLessThanOrEqual(110)
    expect(kept).toEqual(ids.slice(-kept.length))
    expect(await h.gaps(['big'], 0)).toEqual(['big'])
  })

  it('serializes each message once for all subscribers', async () => {
    const h = hub()
    const seen: unknown[] = []
    h.on(
      () => true,
      (message) => seen.push(h.encoded(message)),
    )
    h.on(
      () => true,
      (message) => seen.push(h.encoded(message)),
    )
    await h.publish(['c'], { a: 1 })
    expect(seen[0]).toBe(seen[1])
    expect(JSON.parse((seen[0] as { json: string }).json)).toMatchObject({ type: 'message', channel: 'c', data: { a: 1 } })
  })

  it('keeps a bounded number of retention counters however many channels are published to', async () => {
    const h = hub({ maxMessages: 1000 })
    for (let i = 0; i < 10_050; i++) await h.publish([`user:u${i}`], i)
    expect(h.pruneCounterCount).toBeLessThanOrEqual(10_000)
    expect(h.pruneCounterCount).toBeGreaterThan(0)
  })

  it('treats an idempotency key as a retry only on the same channels', async () => {
    const h = hub()
    const first = await h.publish(['orders:1'], 'paid', { idempotencyKey: 'evt-42' })
    const elsewhere = await h.publish(['orders:2'], 'paid', { idempotencyKey: 'evt-42' })
    const retry = await h.publish(['orders:1'], 'paid', { idempotencyKey: 'evt-42' })
    expect(elsewhere.duplicate).toBe(false)
    expect(elsewhere.ids['orders:2']).toBeGreaterThan(first.ids['orders:1']!)
    expect(retry).toEqual({ ids: first.ids, duplicate: true })
    expect((await h.history(['orders:*'], 0, 10)).map((m) => m.channel)).toEqual(['orders:1', 'orders:2'])
  })
})
