import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'events-endpoint-secret-0123456789abcdef0'
const ADMIN_TOKEN = 'events-endpoint-admin-token-0123'

async function framesReceived(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
  return Number(/^tandem_messages_in_total (\d+)/m.exec(text)?.[1] ?? 0)
}

describe('/api/events WebSocket', () => {
  it('ignores frames that arrive once the server has begun closing the socket', async () => {
    const server = await startTestServer({ authSecret: SECRET, adminToken: ADMIN_TOKEN })
    const token = await mintToken({ sub: 'ada', name: 'Ada', channels: ['news'] }, SECRET, 2)
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=${token}`)
    ws.on('error', () => {})
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise<void>((resolve) => ws.once('open', () => resolve()))
    // Stop reading: the server's close frame (the token expires) waits unread, so this client still
    // believes the socket open and keeps sending, as a peer does while a close is in flight.
    ws.pause()
    const socket = (ws as unknown as { _socket: { readableLength: number } })._socket
    await eventually(() => expect(socket.readableLength).toBeGreaterThan(0))
    const before = await framesReceived(server)
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['news'] }))
    await eventually(async () => expect(await framesReceived(server)).toBe(before + 1))
    // Received and counted, but not acted on: no subscription for a socket on its way out.
    expect(server.hub.listenerCount).toBe(0)
    ws.resume()
    expect(await closed).toBe(CloseCode.TokenExpired)
  })

  it('closes a connection that floods frames with RateLimited (4429), like a document socket', async () => {
    const server = await startTestServer({ maxMessagesPerSecond: 10, adminToken: ADMIN_TOKEN })
    const flooder = new WebSocket(`${server.url.replace('http', 'ws')}/api/events`)
    flooder.on('error', () => {})
    const closed = new Promise<number>((resolve) => flooder.on('close', (code) => resolve(code)))
    await new Promise<void>((resolve) => flooder.once('open', () => resolve()))
    // Each subscribe with since 0 would replay history: the budget caps how often a client may ask.
    for (let i = 0; i < 100; i++) flooder.send(JSON.stringify({ type: 'subscribe', channels: [`c${i}`], since: 0 }))
    expect(await closed).toBe(CloseCode.RateLimited)
    const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
    expect(text).toMatch(/^tandem_connections_rejected_total\{reason="rate_limited"\} 1$/m)
    await eventually(() => expect(server.hub.listenerCount).toBe(0))
  })
})
