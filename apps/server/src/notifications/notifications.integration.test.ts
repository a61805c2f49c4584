import type { Socket } from 'node:net'

import { CloseCode, decodeCollabMessage, encodeChannelFrame, MessageType } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

import { eventsSocket, sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const PUBLISH_KEY = 'test-publish-key-0123456789'

async function publish(server: TestServer, body: unknown, init: { key?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': init.contentType ?? 'application/json' }
  if (init.key !== null) headers.Authorization = `Bearer ${init.key ?? PUBLISH_KEY}`
  const response = await fetch(`${server.url}/api/publish`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: response.status,
    body: (await response.json()) as { ids?: Record<string, number>; duplicate?: boolean; error?: { code: string; message: string } },
  }
}

const notificationServer = (overrides = {}) => startTestServer({ publishKey: PUBLISH_KEY, ...overrides })

describe('HTTP publish to WebSocket and SSE subscribers', () => {
  it('delivers one publish to a WebSocket subscriber and an SSE subscriber, with the same id', async () => {
    const server = await notificationServer()
    const ws = await eventsSocket(server.url)
    ws.send({ type: 'subscribe', channels: ['news'] })
    await ws.waitFor((f) => f.type === 'subscribed')
    const sse = await sseStream(`${server.url}/api/events?channel=news`)
    expect(sse.status).toBe(200)
    await sse.waitFor((f) => f.type === 'subscribed')

    const { status, body } = await publish(server, { channel: 'news', data: { title: 'Launch', tags: ['a', 'b'] } })
    expect(status).toBe(200)
    const id = body.ids!.news!
    const expected = { type: 'message', channel: 'news', id, data: { title: 'Launch', tags: ['a', 'b'] } }
    expect(await ws.waitFor((f) => f.type === 'message')).toMatchObject(expected)
    expect(await sse.waitFor((f) => f.type === 'message')).toMatchObject(expected)
    expect(sse.ids).toEqual([String(id)])
  })

  it('accepts a plain form body, several channels, and non-JSON data as a string', async () => {
    const server = await notificationServer()
    const ws = await eventsSocket(server.url)
    ws.send({ type: 'subscribe', channels: ['a', 'b'] })
    await ws.waitFor((f) => f.type === 'subscribed')
    const form = new URLSearchParams([
      ['channel', 'a'],
      ['channel', 'b'],
      ['data', 'hello <b>world</b>'],
    ])
    const { status, body } = await publish(server, form.toString(), { contentType: 'application/x-www-form-urlencoded' })
    expect(status).toBe(200)
    expect(Object.keys(body.ids!)).toEqual(['a', 'b'])
    await eventually(() =>
      expect(ws.frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? [f.channel, f.data] : null))).toEqual([
        ['a', 'hello <b>world</b>'],
        ['b', 'hello <b>world</b>'],
      ]),
    )
    const json = await publish(server, 'channel=a&data=%7B%22n%22%3A1%7D', { contentType: 'application/x-www-form-urlencoded' })
    expect(json.status).toBe(200)
    await ws.waitFor((f) => f.type === 'message' && JSON.stringify(f.data) === '{"n":1}')
  })

  it('answers 401, 400, 413 and 415 with clear JSON errors, and publishes nothing then', async () => {
    const server = await notificationServer({ maxPublishBytes: 1024 })
    const ws = await eventsSocket(server.url)
    ws.send({ type: 'subscribe', channels: ['news'] })
    await ws.waitFor((f) => f.type === 'subscribed')
    const cases: Array<[Promise<Awaited<ReturnType<typeof publish>>>, number, string]> = [
      [publish(server, { channel: 'news', data: 1 }, { key: null }), 401, 'unauthorized'],
      [publish(server, { channel: 'news', data: 1 }, { key: 'wrong-key-wrong-key-wrong' }), 401, 'unauthorized'],
      [publish(server, { channel: 'bad name', data: 1 }), 400, 'bad_channel'],
      [publish(server, { channel: 'news' }), 400, 'bad_request'],
      [publish(server, { channel: 'news', channels: ['x'], data: 1 }), 400, 'bad_request'],
      [publish(server, { channel: 'news', data: 1, extra: true }), 400, 'bad_request'],
      [publish(server, '{"channel":'), 400, 'bad_request'],
      [publish(server, { channel: 'news', data: 'x'.repeat(2000) }), 413, 'payload_too_large'],
      [publish(server, 'channel=news&data=1', { contentType: 'text/plain' }), 415, 'unsupported_media_type'],
    ]
    for (const [pending, status, code] of cases) {
      const { status: got, body } = await pending
      expect([got, body.error?.code]).toEqual([status, code])
      expect(body.error?.message.length).toBeGreaterThan(5)
    }
    expect(ws.frames.filter((f) => f.type === 'message')).toEqual([])
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
  })

  it('says how to enable publishing when no key is configured', async () => {
    const server = await startTestServer()
    const { status, body } = await publish(server, { channel: 'news', data: 1 })
    expect(status).toBe(401)
    expect(body.error?.message).toMatch(/PUBLISH_KEY/)
  })

  it('treats a repeated idempotency key as the same publish', async () => {
    const server = await notificationServer()
    const ws = await eventsSocket(server.url)
    ws.send({ type: 'subscribe', channels: ['orders'] })
    await ws.waitFor((f) => f.type === 'subscribed')
    const first = await publish(server, { channel: 'orders', data: { n: 1 }, idempotencyKey: 'order-1' })
    const again = await publish(server, { channel: 'orders', data: { n: 1 }, idempotencyKey: 'order-1' })
    expect(again.body).toEqual({ ids: first.body.ids, duplicate: true })
    const other = await publish(server, { channel: 'orders', data: { n: 2 }, idempotencyKey: 'order-2' })
    await ws.waitFor((f) => f.type === 'message' && f.id === other.body.ids!.orders)
    expect(ws.messageIds()).toEqual([first.body.ids!.orders, other.body.ids!.orders])
  })

  it('serves history with since and limit, and refuses bad parameters', async () => {
    const server = await notificationServer()
    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push((await publish(server, { channel: 'log', data: i })).body.ids!.log!)
    const response = await fetch(`${server.url}/api/channels/log/messages?since=${ids[1]}&limit=2`)
    const body = (await response.json()) as { messages: Array<{ id: number; data: unknown }>; gap: boolean; more: boolean }
    expect(body.messages.map((m) => m.data)).toEqual([2, 3])
    expect(body.gap).toBe(false)
    expect(body.more).toBe(true)
    const rest = (await (await fetch(`${server.url}/api/channels/log/messages?since=${ids[3]}`)).json()) as {
      messages: unknown[]
      more: boolean
    }
    expect(rest).toMatchObject({ messages: [{ data: 4 }], more: false })
    expect((await fetch(`${server.url}/api/channels/bad%20name/messages`)).status).toBe(400)
    expect((await fetch(`${server.url}/api/channels/log/messages?limit=0`)).status).toBe(400)
  })
})

describe('history over HTTP, large messages', () => {
  it('answers at most about 1 MiB of messages per request and says there is more', async () => {
    const server = await notificationServer()
    const big = 'x'.repeat(60_000)
    for (let i = 0; i < 40; i++) await publish(server, { channel: 'big', data: { i, big } })
    let since = 0
    const pages: number[] = []
    for (;;) {
      const body = (await (await fetch(`${server.url}/api/channels/big/messages?since=${since}&limit=1000`)).json()) as {
        messages: Array<{ id: number; data: { i: number } }>
        more: boolean
      }
      pages.push(body.messages.length)
      since = body.messages.at(-1)!.id
      if (!body.more) break
    }
    // Before: one answer of all 40 messages (2.4 MB); now pages of ~1 MiB that add up to all of them.
    expect(pages.length).toBeGreaterThan(1)
    expect(Math.max(...pages)).toBeLessThanOrEqual(18)
    expect(pages.reduce((sum, n) => sum + n, 0)).toBe(40)
  })
})

describe('resume and back-pressure', () => {
  it('a subscriber disconnected while 50 messages are published resumes with exactly those 50', async () => {
    const server = await notificationServer()
    const first = await eventsSocket(server.url)
    first.send({ type: 'subscribe', channels: ['feed'] })
    await first.waitFor((f) => f.type === 'subscribed')
    const before = (await publish(server, { channel: 'feed', data: 'before' })).body.ids!.feed!
    await first.waitFor((f) => f.type === 'message' && f.id === before)
    first.ws.close()
    await first.closed

    const missed: number[] = []
    for (let i = 0; i < 50; i++) missed.push((await publish(server, { channel: 'feed', data: i })).body.ids!.feed!)
    const second = await eventsSocket(server.url)
    second.send({ type: 'subscribe', channels: ['feed'], since: first.messageIds().at(-1) })
    await second.waitFor((f) => f.type === 'subscribed')
    const after = (await publish(server, { channel: 'feed', data: 'after' })).body.ids!.feed!
    await second.waitFor((f) => f.type === 'message' && f.id === after)
    expect(second.messageIds()).toEqual([...missed, after])
    expect(second.frames.filter((f) => f.type === 'gap')).toEqual([])
  })

  it('SSE resumes from Last-Event-ID and announces a gap when retention no longer reaches it', async () => {
    const server = await notificationServer({ retention: { maxMessages: 3, maxAgeMs: 1e9 } })
    const ids: number[] = []
    for (let i = 0; i < 8; i++) ids.push((await publish(server, { channel: 'short', data: i })).body.ids!.short!)
    const resumed = await sseStream(`${server.url}/api/events?channel=short`, { 'Last-Event-ID': String(ids[5]) })
    await resumed.waitFor((f) => f.type === 'subscribed')
    expect(resumed.messageIds()).toEqual(ids.slice(6))
    const gapped = await sseStream(`${server.url}/api/events?channel=short&since=${ids[0]}`)
    await gapped.waitFor((f) => f.type === 'subscribed')
    expect(gapped.frames[0]).toEqual({ type: 'gap', channel: 'short' })
    expect(gapped.messageIds()).toEqual(ids.slice(5))
    expect((await fetch(`${server.url}/api/events?channel=bad%20name`)).status).toBe(400)
    expect((await fetch(`${server.url}/api/events`)).status).toBe(400)
  })

  it('cuts off a stalled WebSocket reader while a healthy one still gets everything', async () => {
    const server = await notificationServer({ maxEventBufferBytes: 256 * 1024, maxPublishBytes: 256 * 1024 })
    const healthy = await eventsSocket(server.url)
    const stalled = await eventsSocket(server.url)
    for (const client of [healthy, stalled]) {
      client.send({ type: 'subscribe', channels: ['bulk'] })
      await client.waitFor((f) => f.type === 'subscribed')
    }
    // The stalled client stops reading from its TCP socket; the server's buffer for it grows.
    ;(stalled.ws as unknown as { _socket: Socket })._socket.pause()
    const payload = 'x'.repeat(100_000)
    const ids: number[] = []
    for (let i = 0; i < 120; i++) ids.push((await publish(server, { channel: 'bulk', data: { i, payload } })).body.ids!.bulk!)
    await eventually(() => expect(healthy.messageIds()).toEqual(ids), { timeout: 20_000 })
    ;(stalled.ws as unknown as { _socket: Socket })._socket.resume()
    const code = await stalled.closed
    expect([CloseCode.SlowConsumer, 1006]).toContain(code)
    expect(stalled.messageIds().length).toBeLessThan(ids.length)
  })

  it('answers bad frames on /api/events with error frames and keeps the connection', async () => {
    const server = await notificationServer()
    const ws = await eventsSocket(server.url)
    ws.send('not json')
    ws.ws.send(new Uint8Array([1, 2, 3]))
    ws.send({ type: 'subscribe', channels: ['ok'] })
    await ws.waitFor((f) => f.type === 'subscribed')
    expect(ws.frames.slice(0, 2).map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(['bad_frame', 'bad_frame'])
  })
})

describe('channels on the document socket', () => {
  it('carries channel frames on /collab/<room> for connections that subscribe, and never to stock clients', async () => {
    const server = await notificationServer()
    const stock = await connectClient(server, 'mux')
    const stockTypes: number[] = []
    stock.provider.ws!.addEventListener('message', (event) => stockTypes.push(new Uint8Array(event.data as ArrayBuffer)[0]!))

    const ws = new WebSocket(`${server.collabUrl}/mux`)
    const channelFrames: unknown[] = []
    ws.on('message', (data) => {
      const message = decodeCollabMessage(new Uint8Array(data as Buffer))
      if (message.type === MessageType.Channel) channelFrames.push(JSON.parse(message.json))
    })
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send(encodeChannelFrame(JSON.stringify({ type: 'subscribe', channels: ['broadcast'] })))
    await eventually(() => expect(channelFrames).toContainEqual({ type: 'subscribed', channels: ['broadcast'] }))

    const { body } = await publish(server, { channel: 'broadcast', data: 'hello all' })
    await eventually(() =>
      expect(channelFrames).toContainEqual(expect.objectContaining({ type: 'message', id: body.ids!.broadcast, data: 'hello all' })),
    )
    // The document still syncs on the same sockets, and the stock client saw only y-websocket types.
    const other = await connectClient(server, 'mux')
    other.text.insert(0, 'still a document')
    await eventually(() => expect(stock.text.toString()).toBe('still a document'))
    expect(stockTypes).toContain(MessageType.Sync)
    expect(stockTypes.every((type) => type <= MessageType.QueryAwareness)).toBe(true)
    ws.terminate()
  })

  it("publishes presence when a newcomer's name arrives and when someone renames", async () => {
    const server = await notificationServer({ roomActivityThrottleMs: 100 })
    const watcher = await eventsSocket(server.url)
    watcher.send({ type: 'subscribe', channels: ['room:named'] })
    await watcher.waitFor((f) => f.type === 'subscribed')
    const guest = await connectClient(server, 'named')
    guest.provider.awareness.setLocalStateField('user', { name: 'Ann', color: '#3f51b5' })
    await watcher.waitFor(
      (f) => f.type === 'message' && JSON.stringify(f.data).includes('"presence"') && JSON.stringify(f.data).includes('Ann'),
    )
    guest.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
    guest.provider.awareness.setLocalStateField('user', { name: 'Annie', color: '#3f51b5' })
    const renamed = await watcher.waitFor((f) => f.type === 'message' && JSON.stringify(f.data).includes('Annie'))
    expect(renamed).toMatchObject({ data: { type: 'presence', users: [{ name: 'Annie', color: '#3f51b5' }] } })
    // A cursor move alone announces nothing.
    const count = watcher.frames.length
    guest.provider.awareness.setLocalStateField('cursor', { anchor: 2 })
    const marker = await fetch(`${server.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'room:named', data: 'marker' }),
    })
    expect(marker.status).toBe(200)
    await watcher.waitFor((f) => f.type === 'message' && f.data === 'marker')
    expect(watcher.frames.slice(count).filter((f) => f.type === 'message' && JSON.stringify(f.data).includes('presence'))).toEqual([])
  })

  it('publishes join, leave and throttled activity on room:<name>', async () => {
    const server = await notificationServer({ roomActivityThrottleMs: 200 })
    const watcher = await eventsSocket(server.url)
    watcher.send({ type: 'subscribe', channels: ['room:*'] })
    await watcher.waitFor((f) => f.type === 'subscribed')
    const writer = await connectClient(server, 'watched')
    await watcher.waitFor((f) => f.type === 'message' && (f.data as { type: string }).type === 'join')
    for (let i = 0; i < 30; i++) writer.text.insert(0, 'x')
    await watcher.waitFor((f) => f.type === 'message' && (f.data as { type: string }).type === 'activity')
    writer.provider.destroy()
    const leave = await watcher.waitFor((f) => f.type === 'message' && (f.data as { type: string }).type === 'leave')
    expect(leave).toMatchObject({ channel: 'room:watched', data: { room: 'watched', connections: 0 } })
    const activity = watcher.frames.filter((f) => f.type === 'message' && (f.data as { type: string }).type === 'activity')
    // 30 edits within one throttle window: one leading message and at most one trailing one.
    expect(activity.length).toBeGreaterThanOrEqual(1)
    expect(activity.length).toBeLessThanOrEqual(2)
  })
})
