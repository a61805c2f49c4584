import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { eventsSocket } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { freePort, startRedisServer } from '../test-support/redis-server.js'
import { spawnServer } from '../test-support/spawn-server.js'
import { startTestServer } from '../test-support/test-server.js'
import { redisRetryDelay } from './redis-bridge.js'

const redisUrl = process.env.REDIS_URL
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-redis-bridge-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

function redisClient(url = redisUrl!): Redis {
  const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 })
  onTestFinished(() => client.disconnect())
  return client
}

/** `depth` arrays inside each other, as JSON text. */
const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`

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
      expect(subscriber.frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? [f.channel, f.data] : null))).toEqual(
        [
          ['news', { title: 'from Python', n: 3 }],
          ['alerts', 'disk almost full'],
        ],
      ),
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

describe.skipIf(!redisUrl)('deeply nested Redis payloads (real server process, real Redis at REDIS_URL)', () => {
  it('drops JSON nested deeper than MAX_PUBLISH_DEPTH with a warning, survives, and still delivers the next message', async () => {
    const prefix = `tandem-test-${randomUUID().slice(0, 8)}:`
    const adminToken = 'admin-token-for-tests-0123456789'
    const server = await spawnServer({
      DATA_DIR: join(dataDir, 'nested'),
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: adminToken,
    })
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'))
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['deep'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')

    const redis = redisClient()
    const atTheLimit = JSON.parse(nestedArrays(64)) as unknown
    // 10,000 levels (20 KB, well under MAX_PUBLISH_BYTES) used to make JSON.stringify throw inside
    // the ioredis listener, which rethrew it and ended the process.
    expect(await redis.publish(`${prefix}deep`, nestedArrays(10_000))).toBe(1)
    expect(await redis.publish(`${prefix}deep`, `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`)).toBe(1)
    expect(await redis.publish(`${prefix}deep`, JSON.stringify(atTheLimit))).toBe(1)
    expect(await redis.publish(`${prefix}deep`, '"after"')).toBe(1)

    await subscriber.waitFor((f) => f.type === 'message' && f.data === 'after')
    expect(subscriber.frames.flatMap((f) => (f.type === 'message' ? [f.data] : []))).toEqual([atTheLimit, 'after'])
    expect(server.child.exitCode).toBeNull()
    expect(server.output().match(/Redis message dropped: JSON nested deeper than 64 levels/g)).toHaveLength(2)
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${adminToken}` } })).text()
    expect(metrics).toMatch(/^tandem_redis_too_deep_total 2$/m)
    expect(metrics).toMatch(/^tandem_redis_republished_total 2$/m)
  }, 60_000)
})

describe('deeply nested published values', () => {
  it('answers POST /api/publish with 400 payload_too_deep past MAX_PUBLISH_DEPTH, and accepts the limit itself', async () => {
    const key = 'k'.repeat(16)
    const server = await startTestServer({ publishKey: key, maxPublishDepth: 8 })
    const publish = (body: string, type = 'application/json') =>
      fetch(`${server.url}/api/publish`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': type }, body })

    const deep = await publish(`{"channel":"deep","data":${nestedArrays(10_000)}}`)
    expect(deep.status).toBe(400)
    expect(((await deep.json()) as { error: { code: string } }).error.code).toBe('payload_too_deep')
    const deepForm = await publish(`channel=deep&data=${encodeURIComponent(nestedArrays(9))}`, 'application/x-www-form-urlencoded')
    expect(deepForm.status).toBe(400)

    const atTheLimit = await publish(`{"channel":"deep","data":${nestedArrays(8)}}`)
    expect(atTheLimit.status).toBe(200)
    const history = (await (await fetch(`${server.url}/api/channels/deep/messages`)).json()) as { messages: Array<{ data: unknown }> }
    expect(history.messages.map((m) => m.data)).toEqual([JSON.parse(nestedArrays(8))])
  })
})

describe.skipIf(!hasRedisServer)('Redis bridge while Redis comes and goes (redis-server spawned by the test)', () => {
  it('subscribes once Redis arrives after the server started, and reports ready only when subscribed', async () => {
    const port = await freePort()
    const server = await startTestServer({ redisUrl: `redis://127.0.0.1:${port}` })
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['late'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')
    // Nothing listens on the port yet: the bridge keeps trying, and health does not pretend.
    await eventually(async () => expect((await health(server.url)).redis).toBe('reconnecting'))

    const redisProcess = await startRedisServer(port)
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'), { timeout: 20_000, interval: 50 })
    // "ready" means the pattern subscription is active: the first PUBLISH after it has a listener.
    const redis = redisClient(redisProcess.url)
    expect(await redis.publish('tandem:late', '"arrived"')).toBe(1)
    await subscriber.waitFor((f) => f.type === 'message' && f.data === 'arrived')
  }, 60_000)

  it('stops reporting ready while Redis is down, and subscribes again when it restarts', async () => {
    const port = await freePort()
    const first = await startRedisServer(port)
    const server = await startTestServer({ redisUrl: first.url })
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'))
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['restart'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')

    await first.kill()
    await eventually(async () => expect((await health(server.url)).redis).toBe('reconnecting'))
    const second = await startRedisServer(port)
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'), { timeout: 20_000, interval: 50 })
    const redis = redisClient(second.url)
    expect(await redis.publish('tandem:restart', '"again"')).toBe(1)
    await subscriber.waitFor((f) => f.type === 'message' && f.data === 'again')
    expect(subscriber.frames.filter((f) => f.type === 'message')).toHaveLength(1)
  }, 60_000)
  it('stays "subscribing" while Redis refuses PSUBSCRIBE, and subscribes once it is allowed', async () => {
    const redisProcess = await startRedisServer(await freePort())
    const redis = redisClient(redisProcess.url)
    await redis.call('ACL', 'SETUSER', 'bridge', 'on', '>bridge-password', '~*', '&*', '+@all', '-psubscribe')
    const server = await startTestServer({ redisUrl: redisProcess.url.replace('//', '//bridge:bridge-password@') })
    const subscriber = await eventsSocket(server.url)
    subscriber.send({ type: 'subscribe', channels: ['acl'] })
    await subscriber.waitFor((f) => f.type === 'subscribed')

    // Connected, but the subscription was refused: not ready, and nothing is heard.
    await eventually(async () => expect((await health(server.url)).redis).toBe('subscribing'))
    expect(await redis.publish('tandem:acl', '"unheard"')).toBe(0)

    await redis.call('ACL', 'SETUSER', 'bridge', '+psubscribe')
    await eventually(async () => expect((await health(server.url)).redis).toBe('ready'), { timeout: 20_000, interval: 50 })
    expect(await redis.publish('tandem:acl', '"heard"')).toBe(1)
    await subscriber.waitFor((f) => f.type === 'message' && f.data === 'heard')
  }, 60_000)
})
