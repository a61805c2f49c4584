/**
 * Every documented limit trips with its documented refusal: HTTP 429 (or 4xx) with the JSON error
 * code before an upgrade (for a document socket refused for who is asking, an accepted socket closed
 * at once with 4429, which a browser can read), a WebSocket close code after it, an error frame on a
 * channel session. Each
 * test starts the real server with a small value of one limit so it trips fast, and checks that what
 * stays within the limit still works.
 */
import type { Socket } from 'node:net'

import { CloseCode, encodeQueryAwareness, encodeSyncUpdate } from '@tandem/protocol'
import { mintToken } from '@tandem/server/src/auth/tokens.js'
import { eventually } from '@tandem/server/src/test-support/eventually.js'
import { gatedWebhook } from '@tandem/server/src/test-support/gated-webhook.js'
import { rawConnection } from '@tandem/server/src/test-support/raw-http.js'
import { connectClient } from '@tandem/server/src/test-support/stock-client.js'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'

import { attackerAddresses, inBatches } from './support/client-addresses.js'
import { awarenessFrame, subscribeFrame, userState } from './support/collab-frames.js'
import { unmergeableInserts } from './support/crafted-updates.js'
import { HostileServer } from './support/hostile-server.js'
import { expectRefusal, ProbeSocket } from './support/probe-socket.js'
import { expectStreamRefused, SseStream } from './support/sse-stream.js'

const open = async (url: string, localAddress?: string): Promise<ProbeSocket> => {
  const probe = await ProbeSocket.open(url, localAddress ? { localAddress } : {})
  onTestFinished(() => probe.close())
  return probe
}

const openStream = async (serverUrl: string, query: string): Promise<SseStream> => {
  const stream = await SseStream.open(serverUrl, query)
  onTestFinished(() => stream.close())
  return stream
}

/** A TCP connection that has sent `request` and reports when the server closes it, with what it answered. */
function rawHttp(port: number, request: string): { socket: Socket; ended: Promise<{ answer: string; afterMs: number }> } {
  const started = performance.now()
  const connection = rawConnection(port, request)
  return { socket: connection.socket, ended: connection.closed.then((answer) => ({ answer, afterMs: performance.now() - started })) }
}

describe('connection limits, before the upgrade', () => {
  it('MAX_CONNECTIONS_PER_ADDRESS: document, event sockets and SSE streams together; one more is refused (4429, or 429 too_many_connections)', async () => {
    const server = await HostileServer.start({ MAX_CONNECTIONS_PER_ADDRESS: '3' })
    const document = await open(`${server.collabUrl}/limits`)
    await open(server.eventsUrl)
    await openStream(server.url, 'channel=news')
    // A document socket is refused as a browser can read it: accepted, then closed with 4429.
    const documentRefusal = await expectRefusal(ProbeSocket.open(`${server.collabUrl}/limits`))
    expect([documentRefusal.closeCode, documentRefusal.body]).toEqual([CloseCode.RateLimited, expect.stringContaining('connections')])
    const eventsRefusal = await expectRefusal(ProbeSocket.open(server.eventsUrl))
    expect([eventsRefusal.status, eventsRefusal.code]).toEqual([429, 'too_many_connections'])
    const stream = await expectStreamRefused(server.url, 'channel=news')
    expect([stream.status, stream.code]).toEqual([429, 'too_many_connections'])
    // A connection given back makes room for the next one.
    await document.close()
    await eventually(async () => await open(`${server.collabUrl}/limits`))
    server.assertUnharmed()
  })

  it('MAX_SOCKETS_PER_ADDRESS: idle TCP connections past the limit are closed at once', async () => {
    const server = await HostileServer.start({ MAX_CONNECTIONS_PER_ADDRESS: '2', MAX_SOCKETS_PER_ADDRESS: '3' })
    const held = [1, 2, 3].map(() => rawHttp(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'))
    await new Promise((resolve) => held[2]!.socket.once('connect', resolve))
    const extra = rawHttp(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    const { answer, afterMs } = await extra.ended
    expect(answer).toBe('')
    expect(afterMs).toBeLessThan(2000)
    for (const { socket } of held) socket.destroy()
    await eventually(async () => expect((await fetch(`${server.url}/api/health`)).status).toBe(200))
    server.assertUnharmed()
  })

  it('MAX_NEW_ROOMS_PER_MINUTE: opening one more unloaded room is closed with 4429; loaded rooms stay open', async () => {
    const server = await HostileServer.start({ MAX_NEW_ROOMS_PER_MINUTE: '2' })
    await open(`${server.collabUrl}/first`)
    await open(`${server.collabUrl}/second`)
    const refusal = await expectRefusal(ProbeSocket.open(`${server.collabUrl}/third`))
    expect([refusal.closeCode, refusal.body]).toEqual([CloseCode.RateLimited, expect.stringContaining('rooms')])
    // A room already in memory costs nothing to join.
    await open(`${server.collabUrl}/first`)
    server.assertUnharmed()
  })

  it('MAX_PENDING_UPGRADES: upgrades waiting for admission beyond the limit are closed with 4429', async () => {
    // A permission webhook that holds every question until released keeps upgrades pending.
    const webhook = await gatedWebhook()
    const secret = 'hostile-suite-secret-0123456789abcdef'
    const server = await HostileServer.start({
      AUTH_SECRET: secret,
      AUTH_WEBHOOK_URL: webhook.url,
      AUTH_WEBHOOK_TIMEOUT_MS: '20000',
      MAX_PENDING_UPGRADES: '2',
    })
    const token = await mintToken({ sub: 'waiting-user', name: 'Waiting' }, secret, 600)
    const pending = [1, 2].map((n) => ProbeSocket.open(`${server.collabUrl}/held-${n}?token=${token}`))
    await eventually(() => expect(webhook.waiting()).toBe(2))
    const refusal = await expectRefusal(ProbeSocket.open(`${server.collabUrl}/held-3?token=${token}`))
    expect([refusal.closeCode, refusal.body]).toEqual([CloseCode.RateLimited, expect.stringContaining('too many connections at once')])
    webhook.open(true)
    for (const probe of await Promise.all(pending)) await probe.close()
    server.assertUnharmed()
  })

  it('HTTP_HEADERS_TIMEOUT_MS: a request whose headers trickle in (slowloris) is ended with 408', async () => {
    const server = await HostileServer.start({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' })
    const slow = rawHttp(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const drip = setInterval(() => slow.socket.write(`X-Drip: ${Date.now()}\r\n`), 200)
    onTestFinished(() => clearInterval(drip))
    const { answer, afterMs } = await slow.ended
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    // Node checks the timeout once a second at most: the bound is the timeout plus that check.
    expect(afterMs).toBeLessThan(1000 + 1500)
    server.assertUnharmed()
  })

  it('ALLOWED_HOSTS: a Host name the server is not known by (DNS rebinding) is 403 host_not_allowed', async () => {
    const server = await HostileServer.start({ ALLOWED_HOSTS: 'docs.example.com' })
    const health = rawHttp(server.port, 'GET /api/health HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n')
    expect((await health.ended).answer).toMatch(/^HTTP\/1\.1 403 [\s\S]*host_not_allowed/)
    const upgrade = rawHttp(
      server.port,
      `GET /collab/rebind HTTP/1.1\r\nHost: attacker.example:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    expect((await upgrade.ended).answer).toMatch(/^HTTP\/1\.1 403 [\s\S]*host_not_allowed/)
    const allowed = rawHttp(server.port, 'GET /api/health HTTP/1.1\r\nHost: docs.example.com\r\nConnection: close\r\n\r\n')
    expect((await allowed.ended).answer).toMatch(/^HTTP\/1\.1 200 /)
    server.assertUnharmed()
  })
})

describe('document connection limits, after the upgrade', () => {
  it('MAX_FRAME_BYTES: a larger frame is closed with 1009', async () => {
    const server = await HostileServer.start({ MAX_FRAME_BYTES: '2048' })
    const probe = await open(`${server.collabUrl}/frames`)
    probe.send(new Uint8Array(4096))
    expect((await probe.closedWithin()).code).toBe(CloseCode.MessageTooBig)
    server.assertUnharmed()
  })

  it('MAX_MESSAGES_PER_SECOND: a burst past twice the rate is closed with 4429; a steady sender within it is not', async () => {
    const server = await HostileServer.start({ MAX_MESSAGES_PER_SECOND: '10' })
    const steady = await open(`${server.collabUrl}/rate`)
    const flood = await open(`${server.collabUrl}/rate`)
    for (let i = 0; i < 100; i++) flood.send(encodeQueryAwareness())
    expect((await flood.closedWithin()).code).toBe(CloseCode.RateLimited)
    for (let i = 0; i < 15; i++) {
      steady.send(encodeQueryAwareness())
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(await steady.roundTrip()).toBe('alive')
    server.assertUnharmed()
  })

  it('MAX_INBOUND_BYTES_PER_SECOND: bytes past twice the rate are closed with 4429', async () => {
    const server = await HostileServer.start({
      MAX_FRAME_BYTES: '4096',
      MAX_INBOUND_BYTES_PER_SECOND: '4096',
      MAX_MESSAGES_PER_SECOND: '1000',
    })
    const probe = await open(`${server.collabUrl}/bytes`)
    // Valid frames (a subscribe padded with JSON whitespace), so only their size can trip anything.
    for (let i = 0; i < 8; i++) probe.send(subscribeFrame(['news'], { bytes: 4000 }))
    expect((await probe.closedWithin()).code).toBe(CloseCode.RateLimited)
    server.assertUnharmed()
  })

  it('MAX_AWARENESS_IDS_PER_CONNECTION: introducing one more client id closes with 4429', async () => {
    const server = await HostileServer.start({ MAX_AWARENESS_IDS_PER_CONNECTION: '2' })
    const probe = await open(`${server.collabUrl}/ids`)
    probe.send(awarenessFrame([1, 2].map((client) => ({ client, clock: 1, state: userState(`id ${client}`) }))))
    expect(await probe.roundTrip()).toBe('alive')
    probe.send(awarenessFrame([{ client: 3, clock: 1, state: userState('one too many') }]))
    expect((await probe.closedWithin()).code).toBe(CloseCode.RateLimited)
    server.assertUnharmed()
  })

  it('MAX_AWARENESS_IDS_PER_ROOM: cursors past the room cap are not shown, yet their connection stays and can edit', async () => {
    const server = await HostileServer.start({ MAX_AWARENESS_IDS_PER_ROOM: '4', MAX_AWARENESS_IDS_PER_CONNECTION: '2' })
    // From two machines: one address may hold only a quarter of the room's ids (or one connection's).
    const [firstAddress, secondAddress] = attackerAddresses(2, 21)
    const first = await open(`${server.collabUrl}/crowded`, firstAddress)
    const second = await open(`${server.collabUrl}/crowded`, secondAddress)
    first.send(awarenessFrame([11, 12].map((client) => ({ client, clock: 1, state: userState(`a${client}`) }))))
    second.send(awarenessFrame([21, 22].map((client) => ({ client, clock: 1, state: userState(`b${client}`) }))))
    expect([await first.roundTrip(), await second.roundTrip()]).toEqual(['alive', 'alive'])
    // The room is full; the watcher's own cursor is crowded out, but it sees everyone's.
    const watcher = await connectClient(server, 'crowded')
    await eventually(() =>
      expect([11, 12, 21, 22].map((id) => watcher.provider.awareness.getStates().has(id))).toEqual([true, true, true, true]),
    )
    const third = await open(`${server.collabUrl}/crowded`)
    third.send(awarenessFrame([{ client: 31, clock: 1, state: userState('latecomer') }]))
    const edit = new Y.Doc()
    edit.getText('t').insert(0, 'the latecomer edits')
    third.send(encodeSyncUpdate(Y.encodeStateAsUpdate(edit)))
    // Awareness is relayed at once, edits after they are stored: once the edit is there, the cursor would be too.
    await eventually(() => expect(watcher.text.toString()).toBe('the latecomer edits'))
    expect(watcher.provider.awareness.getStates().has(31)).toBe(false)
    expect([await first.roundTrip(), await second.roundTrip(), await third.roundTrip()]).toEqual(['alive', 'alive', 'alive'])
    server.assertUnharmed()
  })

  it("one address holds at most a quarter of a room's awareness ids: a crowd from one machine cannot fill the room", async () => {
    const server = await HostileServer.start({ MAX_AWARENESS_IDS_PER_ROOM: '16', MAX_AWARENESS_IDS_PER_CONNECTION: '2' })
    const [crowd, other] = attackerAddresses(2, 22)
    const sockets = await Promise.all(Array.from({ length: 8 }, () => open(`${server.collabUrl}/shared`, crowd)))
    sockets.forEach((socket, i) =>
      socket.send(awarenessFrame([100 + 2 * i, 101 + 2 * i].map((client) => ({ client, clock: 1, state: userState(`c${client}`) })))),
    )
    await Promise.all(sockets.map((socket) => socket.roundTrip()))
    const elsewhere = await open(`${server.collabUrl}/shared`, other)
    elsewhere.send(awarenessFrame([{ client: 900, clock: 1, state: userState('from elsewhere') }]))
    expect(await elsewhere.roundTrip()).toBe('alive')
    const watcher = await connectClient(server, 'shared')
    await eventually(() => expect(watcher.provider.awareness.getStates().has(900)).toBe(true))
    const fromCrowd = [...watcher.provider.awareness.getStates().keys()].filter((id) => id >= 100 && id < 116)
    // Before: all 16 of the crowd's ids were shown and the room was full for everyone else.
    expect(fromCrowd).toHaveLength(4)
    server.assertUnharmed()
  })

  it('MAX_AWARENESS_STATE_BYTES counts UTF-8 bytes: a state over it is not relayed, one under it is', async () => {
    const server = await HostileServer.start({ MAX_AWARENESS_STATE_BYTES: '256' })
    const watcher = await connectClient(server, 'states')
    const probe = await open(`${server.collabUrl}/states`)
    // 100 snowmen: 100 UTF-16 units but 300 bytes of UTF-8.
    probe.send(awarenessFrame([{ client: 41, clock: 1, state: JSON.stringify({ user: { name: '☃'.repeat(100) } }) }]))
    probe.send(awarenessFrame([{ client: 42, clock: 1, state: JSON.stringify({ user: { name: 'a'.repeat(100) } }) }]))
    await eventually(() => expect(watcher.provider.awareness.getStates().has(42)).toBe(true))
    expect(watcher.provider.awareness.getStates().has(41)).toBe(false)
    server.assertUnharmed()
  })

  it('MAX_REJECTED_MESSAGES: a connection that keeps sending refused frames is closed with 4429', async () => {
    const server = await HostileServer.start({ MAX_REJECTED_MESSAGES: '5', MAX_AWARENESS_STATE_BYTES: '256' })
    const probe = await open(`${server.collabUrl}/refused`)
    const oversized = JSON.stringify({ user: { name: 'x'.repeat(400) } })
    for (let clock = 1; clock <= 20; clock++) probe.send(awarenessFrame([{ client: 51, clock, state: oversized }]))
    expect((await probe.closedWithin()).code).toBe(CloseCode.RateLimited)
    server.assertUnharmed()
  })

  it('MAX_PENDING_UPDATE_BYTES: an update whose missing dependencies push the room over it is refused with 4002', async () => {
    const server = await HostileServer.start({ MAX_PENDING_UPDATE_BYTES: '4096' })
    const bystander = await connectClient(server, 'pending')
    // Two updates of one client; only the second is sent, so it waits for the first forever.
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    source.getText('t').insert(0, 'a')
    source.getText('t').insert(1, 'b'.repeat(8000))
    const probe = await open(`${server.collabUrl}/pending`)
    probe.send(encodeSyncUpdate(updates[1]!))
    expect((await probe.closedWithin()).code).toBe(CloseCode.InvalidUpdate)
    bystander.text.insert(0, 'still fine')
    const late = await connectClient(server, 'pending')
    await eventually(() => expect(late.text.toString()).toBe('still fine'))
    server.assertUnharmed()
  })
})

describe('more document limits', () => {
  it('MAX_UPDATE_STRUCTS: an update carrying more structs is refused with 4002; one within it is applied', async () => {
    const server = await HostileServer.start({ MAX_UPDATE_STRUCTS: '100' })
    const watcher = await connectClient(server, 'structs')
    const probe = await open(`${server.collabUrl}/structs`)
    probe.send(encodeSyncUpdate(unmergeableInserts(50, 4_000_001)))
    await eventually(() => expect(watcher.text.length).toBe(50))
    probe.send(encodeSyncUpdate(unmergeableInserts(101, 4_000_002)))
    const closed = await probe.closedWithin()
    expect(closed.code).toBe(CloseCode.InvalidUpdate)
    expect(closed.reason).toMatch(/MAX_UPDATE_STRUCTS/)
    expect(watcher.text.length).toBe(50)
    server.assertUnharmed()
  })

  it('MAX_APPLY_MS_PER_MINUTE: a connection whose updates cost the server more is closed with 4429; what it applied stays', async () => {
    // MAX_INTEGRATION_MS would refuse the costliest of these batches before they run: lifted here.
    const server = await HostileServer.start({ MAX_APPLY_MS_PER_MINUTE: '50', MAX_INTEGRATION_MS: '10000' })
    const watcher = await connectClient(server, 'costly')
    const probe = await open(`${server.collabUrl}/costly`)
    // Batches of inserts at the start of one text, each from a new client: Yjs scans every concurrent
    // insert already there, so the second batch costs ~1,000,000 steps.
    for (let i = 0; i < 4; i++) probe.send(encodeSyncUpdate(unmergeableInserts(1000, 4_100_000 + i)))
    const closed = await probe.closedWithin()
    expect(closed.code).toBe(CloseCode.RateLimited)
    expect(closed.reason).toMatch(/MAX_APPLY_MS_PER_MINUTE/)
    // Applied before the cut (the batch that overdrew included), nothing after it.
    await eventually(() => expect(watcher.text.length).toBeGreaterThanOrEqual(1000))
    expect([1000, 2000, 3000]).toContain(watcher.text.length)
    server.assertUnharmed()
  })

  it('MAX_INTEGRATION_MS: an update that takes Yjs longer is closed with 4002, and nothing of it is stored or relayed', async () => {
    const server = await HostileServer.start({ MAX_INTEGRATION_MS: '5' })
    const watcher = await connectClient(server, 'slow-merge')
    const seed = await open(`${server.collabUrl}/slow-merge`)
    // In updates small enough to go in unmeasured: measured against a limit this low, one of 250 can fail.
    for (let i = 0; i < 5; i++) seed.send(encodeSyncUpdate(unmergeableInserts(50, 4_190_000 + i)))
    await eventually(() => expect(watcher.text.length).toBe(250))
    await seed.close()
    // 2,000 inserts at the spot where 250 concurrent ones already are: ~500,000 conflict-scan steps.
    const probe = await open(`${server.collabUrl}/slow-merge`)
    probe.send(encodeSyncUpdate(unmergeableInserts(2000, 4_200_001)))
    const closed = await probe.closedWithin()
    expect(closed.code).toBe(CloseCode.InvalidUpdate)
    expect(closed.reason).toMatch(/MAX_INTEGRATION_MS/)
    watcher.text.insert(0, 'after ')
    const reader = await connectClient(server, 'slow-merge')
    await eventually(() => expect(reader.text.toString().startsWith('after ')).toBe(true))
    expect(reader.text.length).toBe(256)
    expect(watcher.text.length).toBe(256)
    server.assertUnharmed()
  })

  it('MAX_AWARENESS_ENTRIES: entries past it in one message are not relayed', async () => {
    const server = await HostileServer.start({ MAX_AWARENESS_ENTRIES: '2', MAX_AWARENESS_IDS_PER_CONNECTION: '10' })
    const watcher = await connectClient(server, 'entries')
    const probe = await open(`${server.collabUrl}/entries`)
    probe.send(awarenessFrame([71, 72, 73].map((client) => ({ client, clock: 1, state: userState(`e${client}`) }))))
    await eventually(() => expect([71, 72].map((id) => watcher.provider.awareness.getStates().has(id))).toEqual([true, true]))
    // Sent in the same message as the two shown, so it would have arrived with them.
    expect(watcher.provider.awareness.getStates().has(73)).toBe(false)
    server.assertUnharmed()
  })

  it('MAX_BUFFERED_BYTES: a client that stops reading while others edit is closed with 4009; the editors are not', async () => {
    // The writer sends 15 MB in a few seconds: its own byte and apply-time budgets are raised so only
    // the reader's buffer limit is tried (on a busy machine applying 15 MB takes over the default
    // second of apply time per minute, and the writer would be cut off instead).
    const server = await HostileServer.start({
      MAX_BUFFERED_BYTES: String(64 * 1024),
      MAX_INBOUND_BYTES_PER_SECOND: String(256 * 1024 * 1024),
      MAX_APPLY_MS_PER_MINUTE: String(600_000),
    })
    const writer = await connectClient(server, 'slow')
    const closes: number[] = []
    writer.provider.on('connection-close', (event) => closes.push(event?.code ?? 0))
    const probe = await open(`${server.collabUrl}/slow`)
    probe.ws.pause()
    // More than loopback's socket buffers hold, so the server's own queue for the reader must grow.
    for (let i = 0; i < 30; i++) writer.text.insert(writer.text.length, String(i % 10).repeat(500_000))
    await eventually(() => expect(server.logged('client is not reading; disconnecting it')).toBeGreaterThan(0), { timeout: 20_000 })
    probe.ws.resume()
    expect((await probe.closedWithin(30_000)).code).toBe(CloseCode.SlowConsumer)
    const late = await connectClient(server, 'slow')
    await eventually(() => expect(late.text.length).toBe(15_000_000), { timeout: 20_000 })
    expect(closes).toEqual([])
    server.assertUnharmed()
  })

  it('TRUST_PROXY: per-address limits follow the last X-Forwarded-For entry', async () => {
    const server = await HostileServer.start({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_ADDRESS: '1' })
    const through = (address: string): Promise<ProbeSocket> =>
      ProbeSocket.open(`${server.collabUrl}/proxied`, { headers: { 'X-Forwarded-For': `203.0.113.9, ${address}` } })
    const first = await through('198.51.100.1')
    onTestFinished(() => first.close())
    const other = await through('198.51.100.2')
    onTestFinished(() => other.close())
    const refusal = await expectRefusal(through('198.51.100.1'))
    expect([refusal.closeCode, refusal.body]).toEqual([CloseCode.RateLimited, expect.stringContaining('connections per client address')])
    server.assertUnharmed()
  })

  it('HTTP_REQUEST_TIMEOUT_MS: a request whose body trickles in is ended with 408', async () => {
    const server = await HostileServer.start({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      PUBLISH_KEY: 'hostile-publish-key-0123456789',
    })
    const slow = rawHttp(
      server.port,
      'POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer hostile-publish-key-0123456789\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    )
    const drip = setInterval(() => slow.socket.write(' '), 200)
    onTestFinished(() => clearInterval(drip))
    const { answer, afterMs } = await slow.ended
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(afterMs).toBeLessThan(1500 + 1500)
    server.assertUnharmed()
  })
})

describe('publish limits', () => {
  const key = 'hostile-publish-key-0123456789'
  const publish = (server: HostileServer, body: string): Promise<Response> =>
    fetch(`${server.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body,
    })

  it('MAX_PUBLISH_BYTES: a larger body is 413 payload_too_large', async () => {
    const server = await HostileServer.start({ PUBLISH_KEY: key, MAX_PUBLISH_BYTES: '1024' })
    expect((await publish(server, JSON.stringify({ channel: 'news', data: 'x'.repeat(500) }))).status).toBe(200)
    const response = await publish(server, JSON.stringify({ channel: 'news', data: 'x'.repeat(2000) }))
    expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([413, 'payload_too_large'])
    server.assertUnharmed()
  })

  it('MAX_PUBLISH_DEPTH: data nested deeper is 400 payload_too_deep', async () => {
    const server = await HostileServer.start({ PUBLISH_KEY: key, MAX_PUBLISH_DEPTH: '8' })
    const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`
    expect((await publish(server, `{"channel":"news","data":${nested(7)}}`)).status).toBe(200)
    const response = await publish(server, `{"channel":"news","data":${nested(5000)}}`)
    expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([400, 'payload_too_deep'])
    server.assertUnharmed()
  })
})

describe('notification limits', () => {
  it('MAX_SUBSCRIPTIONS: a subscription past the limit answers too_many_subscriptions, on every transport', async () => {
    const server = await HostileServer.start({ MAX_SUBSCRIPTIONS: '3' })
    const events = await open(server.eventsUrl)
    const frames: string[] = []
    events.ws.on('message', (data: Buffer) => frames.push(data.toString()))
    events.send(JSON.stringify({ type: 'subscribe', channels: ['a', 'b', 'c'] }))
    events.send(JSON.stringify({ type: 'subscribe', channels: ['d'] }))
    await eventually(() => expect(frames.some((frame) => frame.includes('"too_many_subscriptions"'))).toBe(true))
    const refusal = await expectStreamRefused(server.url, 'channel=a&channel=b&channel=c&channel=d')
    expect(refusal.code).toBe('too_many_subscriptions')
    server.assertUnharmed()
  })
})

describe('notification subscribers that stop reading', () => {
  it('MAX_EVENT_BUFFER_BYTES: an SSE stream or event socket that stops reading is cut off (4009 on the socket)', async () => {
    const key = 'hostile-publish-key-0123456789'
    const server = await HostileServer.start({ PUBLISH_KEY: key, MAX_EVENT_BUFFER_BYTES: String(16 * 1024) })
    const sse = rawHttp(server.port, 'GET /api/events?channel=firehose HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    const events = await open(server.eventsUrl)
    events.send(JSON.stringify({ type: 'subscribe', channels: ['firehose'] }))
    await eventually(() => expect(events.received).toBe(1))
    sse.socket.pause()
    events.ws.pause()
    for (let i = 0; i < 300; i++) {
      const response = await fetch(`${server.url}/api/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'firehose', data: 'f'.repeat(60_000) }),
      })
      expect(response.status).toBe(200)
      if (server.logged('SSE reader is not reading; disconnecting it') > 0 && server.logged('client is not reading; disconnecting it') > 0)
        break
    }
    expect(server.logged('SSE reader is not reading; disconnecting it')).toBe(1)
    expect(server.logged('client is not reading; disconnecting it')).toBe(1)
    events.ws.resume()
    sse.socket.resume()
    expect((await events.closedWithin(30_000)).code).toBe(CloseCode.SlowConsumer)
    await sse.ended
    server.assertUnharmed()
  })
})

describe('channel frames take effect in the order they were sent', () => {
  it('an unsubscribe sent right after its subscribe leaves the connection unsubscribed', async () => {
    const key = 'hostile-publish-key-0123456789'
    const server = await HostileServer.start({ PUBLISH_KEY: key })
    const publish = async (channel: string): Promise<void> => {
      const response = await fetch(`${server.url}/api/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel, data: 'after the unsubscribe' }),
      })
      expect(response.status).toBe(200)
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const events = await open(server.eventsUrl)
      const frames: Array<{ type: string; channel?: string }> = []
      events.ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { type: string; channel?: string }))
      events.send(JSON.stringify({ type: 'subscribe', channels: [`control-${attempt}`] }))
      await eventually(() => expect(frames).toHaveLength(1))
      // A pattern of its own per attempt, so `since: 0` finds no history of the attempts before.
      events.send(JSON.stringify({ type: 'subscribe', channels: [`order${attempt}-*`, `order${attempt}-x`], since: 0 }))
      events.send(JSON.stringify({ type: 'unsubscribe', channels: [`order${attempt}-*`, `order${attempt}-x`] }))
      await eventually(() => expect(frames).toHaveLength(3))
      await publish(`order${attempt}-x`)
      // Messages reach a connection in publish order: once the control message is there, an
      // order-N message would have been too.
      await publish(`control-${attempt}`)
      await eventually(() => expect(frames.some((frame) => frame.channel === `control-${attempt}`)).toBe(true))
      expect(frames.filter((frame) => frame.type === 'message').map((frame) => frame.channel)).toEqual([`control-${attempt}`])
      expect(frames.slice(1, 3).map((frame) => frame.type)).toEqual(['subscribed', 'unsubscribed'])
    }
    server.assertUnharmed()
  })
})

describe('limits never cut off a well-behaved stock client', () => {
  it('a stock client joining a room whose awareness is at its caps stays connected (its echo of the snapshot is not an attack)', async () => {
    const server = await HostileServer.start()
    // 64 connections from other addresses hold four 8 KB states each: the room's default cap of 256 ids.
    const state = (n: number): string => JSON.stringify({ user: { name: `holder ${n}`, color: '#123456' }, pad: 'p'.repeat(8000) })
    await inBatches(attackerAddresses(64, 13), 8, async (localAddress, index) => {
      const probe = await ProbeSocket.open(`${server.collabUrl}/full-presence`, { localAddress })
      onTestFinished(() => probe.close())
      probe.send(awarenessFrame([0, 1, 2, 3].map((k) => ({ client: 60_000 + index * 4 + k, clock: 1, state: state(index) }))))
      expect(await probe.roundTrip()).toBe('alive')
    })
    const client = await connectClient(server, 'full-presence')
    const closes: number[] = []
    client.provider.on('connection-close', (event) => closes.push(event?.code ?? 0))
    client.text.insert(0, 'typing along')
    const other = await connectClient(server, 'full-presence')
    await eventually(() => expect(other.text.toString()).toBe('typing along'))
    expect(closes).toEqual([])
    server.assertUnharmed()
  })

  it("one attacker spending its whole inbound burst on awareness does not get the room's stock clients cut off", async () => {
    const server = await HostileServer.start()
    const watcher = await connectClient(server, 'echo')
    const closes: number[] = []
    watcher.provider.on('connection-close', (event) => closes.push(event?.code ?? 0))
    const attacker = await open(`${server.collabUrl}/echo`)
    const state = JSON.stringify({ user: { name: 'loud', color: 'red' }, pad: 'p'.repeat(7000) })
    for (let clock = 1; clock <= 400; clock++) attacker.send(awarenessFrame([1, 2, 3, 4].map((client) => ({ client, clock, state }))))
    expect((await attacker.closedWithin()).code).toBe(CloseCode.RateLimited)
    watcher.text.insert(0, 'still here')
    const late = await connectClient(server, 'echo')
    await eventually(() => expect(late.text.toString()).toBe('still here'))
    expect(closes).toEqual([])
    server.assertUnharmed()
  })
})
