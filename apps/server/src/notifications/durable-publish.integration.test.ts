import { describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import type { ChannelMessage } from '../storage/message-store.js'
import { SqliteMessageStore } from '../storage/sqlite-message-store.js'
import { NotificationHub } from './notification-hub.js'

/** SQLite messages whose commits wait for a disk the test controls, as in power-safe mode. */
function slowDisk() {
  const syncs: Array<(error?: Error) => void> = []
  const store = new SqliteMessageStore(
    { filename: ':memory:' },
    { durable: () => new Promise<void>((resolve, reject) => syncs.push((error) => (error ? reject(error) : resolve()))) },
  )
  const hub = new NotificationHub({
    store,
    logger: createLogger('silent'),
    retentionFor: () => ({ maxMessages: 1000, maxAgeMs: 86_400_000 }),
  })
  const seen: ChannelMessage[] = []
  hub.on(
    () => true,
    (message) => seen.push(message),
  )
  return { store, hub, syncs, seen }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('publishing to a store whose commits sync apart', () => {
  it('delivers and answers only once the message is durable, and history hides it until then', async () => {
    const { hub, syncs, seen } = slowDisk()
    const first = hub.publish(['news'], 'first')
    await turn()
    // Committed, not yet on the disk: nobody may hear of it, not even a replay.
    expect(syncs).toHaveLength(1)
    expect(seen).toEqual([])
    expect(await hub.history(['news'], 0, 10)).toEqual([])

    // A second publish commits meanwhile instead of waiting for the first one's sync.
    const second = hub.publish(['news'], 'second')
    await turn()
    expect(syncs).toHaveLength(2)

    syncs[0]!()
    const { ids } = await first
    expect(seen.map((message) => message.data)).toEqual(['first'])
    expect((await hub.history(['news'], 0, 10)).map((message) => message.id)).toEqual([ids.news])

    syncs[1]!()
    await second
    expect(seen.map((message) => message.data)).toEqual(['first', 'second'])
    expect((await hub.history(['news'], 0, 10)).map((message) => message.data)).toEqual(['first', 'second'])
  })

  it('keeps id order when the later sync finishes first', async () => {
    const { hub, syncs, seen } = slowDisk()
    const published = [hub.publish(['a'], 1), hub.publish(['b'], 2)]
    await turn()
    syncs[1]!()
    await turn()
    expect(seen).toEqual([])
    syncs[0]!()
    await Promise.all(published)
    expect(seen.map((message) => message.data)).toEqual([1, 2])
  })

  it('refuses the publish and delivers nothing when the disk fails', async () => {
    const { hub, syncs, seen } = slowDisk()
    const publish = hub.publish(['news'], 'lost')
    await turn()
    syncs[0]!(new Error('EIO'))
    await expect(publish).rejects.toThrow('EIO')
    expect(seen).toEqual([])
  })
})
