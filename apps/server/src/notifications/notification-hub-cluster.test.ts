import { describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import type { ChannelMessage } from '../storage/message-store.js'
import { type HubCluster, NotificationHub } from './notification-hub.js'

const EVERY = { names: [], prefixes: [''] }

/** Hubs of several nodes on one store, as a cluster's nodes share PostgreSQL; `lastId` may be held back. */
function nodesOn(store: MemoryMessageStore) {
  const announced: number[] = []
  const lastId = async (): Promise<number> => (await store.since(EVERY, 0, 1_000_000)).at(-1)?.id ?? 0
  const node = (cluster: Partial<HubCluster> = {}): NotificationHub =>
    new NotificationHub({
      store,
      logger: createLogger('silent'),
      retentionFor: () => ({ maxMessages: 1000, maxAgeMs: 86_400_000 }),
      cluster: { lastId, announce: (id) => announced.push(id), ...cluster },
    })
  return { node, announced }
}

function listen(hub: NotificationHub): ChannelMessage[] {
  const seen: ChannelMessage[] = []
  hub.on(
    () => true,
    (message) => seen.push(message),
  )
  return seen
}

describe('NotificationHub on a cluster', () => {
  it("dispatches what it reads back from the store, its own and other nodes' messages, each once and in id order", async () => {
    const store = new MemoryMessageStore()
    const { node, announced } = nodesOn(store)
    const [a, b] = [node(), node()]
    await Promise.all([a.startFollowing(), b.startFollowing()])
    const [seenA, seenB] = [listen(a), listen(b)]
    const published = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).publish(['news'], { i })))
    // Each node's publish resolves once it has dispatched through its own message.
    await Promise.all([a.catchUp(), b.catchUp(), a.catchUp()])
    const ids = published.map((result) => result.ids.news!).sort((x, y) => x - y)
    expect(seenA.map((message) => message.id)).toEqual(ids)
    expect(seenB.map((message) => message.id)).toEqual(ids)
    expect(announced).toHaveLength(20)
  })

  it('starts from the last message committed when it starts, not from the beginning', async () => {
    const store = new MemoryMessageStore()
    const { node } = nodesOn(store)
    const a = node()
    await a.startFollowing()
    await a.publish(['news'], 'before b started')
    const b = node()
    await b.startFollowing()
    const seen = listen(b)
    await a.publish(['news'], 'after')
    await b.catchUp()
    expect(seen.map((message) => message.data)).toEqual(['after'])
  })

  it('skips ahead while nobody listens, but not past what a listener that came meanwhile must still get', async () => {
    const store = new MemoryMessageStore()
    const { node } = nodesOn(store)
    const a = node()
    await a.startFollowing()
    const quiet = node()
    await quiet.startFollowing()
    await a.publish(['news'], 'while nobody listened')
    await quiet.catchUp()
    const lateListener = listen(quiet)
    await a.publish(['news'], 'after a listener came')
    await quiet.catchUp()
    expect(lateListener.map((message) => message.data)).toEqual(['after a listener came'])

    // A listener that arrives while the skip-ahead waits for the last id gets what committed meanwhile.
    let unblock: () => void = () => {}
    let reads = 0
    const slow = node({
      lastId: async () => {
        // The first read is its start; the second, the skip-ahead's, waits until released.
        if (++reads === 2) await new Promise<void>((resolve) => (unblock = resolve))
        return (await store.since(EVERY, 0, 1_000_000)).at(-1)?.id ?? 0
      },
    })
    await slow.startFollowing()
    const catching = slow.catchUp()
    await new Promise((resolve) => setImmediate(resolve))
    const arrived = listen(slow)
    await a.publish(['news'], 'committed while the last id was read')
    unblock()
    await catching
    await slow.catchUp()
    expect(arrived.map((message) => message.data)).toEqual(['committed while the last id was read'])
  })

  it('stops reading once stopped, after the read in progress', async () => {
    const store = new MemoryMessageStore()
    const { node } = nodesOn(store)
    const [a, b] = [node(), node()]
    await Promise.all([a.startFollowing(), b.startFollowing()])
    const seen = listen(b)
    await b.stopFollowing()
    await a.publish(['news'], 'after b stopped')
    await b.catchUp()
    expect(seen).toEqual([])
  })
})
