import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { eventsSocket } from '../test-support/event-clients.js'
import { startTestServer } from '../test-support/test-server.js'
import { redisRetryDelay } from './redis-bridge.js'
import { eventually } from '../test-support/eventually.js'

const redisUrl = process.env.REDIS_URL

function redisClient(): Redis {
  const client = new Redis(redisUrl!, { lazyConnect: false, maxRetriesPerRequest: 2 })
  onTestFinished(() => client.disconnect())
  return client
}

async function health(url: string): Promise<{ redis: string }> {
  return (await (await fetch(`${url}/api/health`)).json()) as { redis: string }
}

describe('redisRetryDelay', () => {
  it('backs off exponentially with jitter, capped at 10 s', () => {
    expect(redisRetryDelay(1, () => 0)).toBe(250)
    expect(redisRetryDelay(1, () => 1)).toBe(500)
    expect(redisRetryDelay(3, () => 1)).toBe(2000)
    expect(redisRetryDelay(30, () => 1)).toBe(10_000)
    expect(redisRetryDelay(30, () => 0)).toBe(5_000)
  })
})

describe.skipIf(!redisUrl)('Redis PUBLISH bridge (real Redis at REDIS_URL)', () => {
  it('republishes <prefix><channel> messages to subscribers, JSON as JSON and text as text', async () => {
    const prefix = `tandem-test-${randomUUID().slice(0, 8)}:`
    const server = await startTestServer({ redisUrl: redisUrl!, redisPrefix: prefix })
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'))
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['news', 'alerts'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')

    const redis = redisClient()
    await redis.publish(`${prefix}news`, JSON.stringify({ title: 'from Python', n: 3 }))
    await redis.publish(`${prefix}alerts`, 'disk almost full')
    await redis.publish(`${prefix}bad name`, 'dropped')
    await redis.publish('elsewhere:news', 'not ours')

    await eventually(() =>
      expect(subscriber.frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? [f.channel, f.data] : null))).toEqual([
        ['news', { title: 'from Python', n: 3 }],
        ['alerts', 'disk almost full'],
      ]),
    )
    // Bridged messages are stored like any other, so they can be resumed.
    const history = (await (await fetch(`${server.url}/api/channels/news/messages`)).json()) as { messages: unknown[] }
    expect(history.messages).toHaveLength(1)
    await eventually(() => expect(server.bridge!.counters.dropped).toBe(1))
  })

  it('reconnects and re-subscribes after Redis drops its connection', async () => {
    const prefix = `tandem-test-${randomUUID().slice(0, 8)}:`
    const server = await startTestServer({ redisUrl: redisUrl!, redisPrefix: prefix })
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'))
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['after'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')

    const redis = redisClient()
    const clients = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string
    const line = clients.split('\n').find((entry) => entry.includes(`name=tandem-bridge:${prefix}`))
    const id = /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1]
    expect(id, clients).toBeDefined()
    await redis.call('CLIENT', 'KILL', 'ID', id!)

    // Publish until one gets through: the bridge is back and subscribed again.
    await eventually(
      async () => {
        await redis.publish(`${prefix}after`, '"back"')
        expect(subscriber.frames.some((f) => f.type === 'message' && f.data === 'back')).toBe(true)
      },
      { timeout: 15_000, interval: 300 },
    )
    expect((await health(server.url)).redis).toBe('ready')
  })
})

describe('Redis bridge without Redis', () => {
  it('keeps serving when Redis is unreachable, and says so in /api/health', async () => {
    const server = await startTestServer({ redisUrl: 'redis://127.0.0.1:1', publishKey: 'k'.repeat(16) })
    const state = (await health(server.url)).redis
    expect(['connecting', 'reconnecting']).toContain(state)
    const response = await fetch(`${server.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${'k'.repeat(16)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'still', data: 'works' }),
    })
    expect(response.status).toBe(200)
  })
})
