import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { gatedWebhook } from '../test-support/gated-webhook.js'
import { rawConnection, upgradeRequest } from '../test-support/raw-http.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

const ADMIN_TOKEN = 'limits-test-admin-token-0123456789'
const SECRET = 'limits-test-secret-0123456789abcdef0123'
const LOCAL = '127.0.0.1'

/** A document holding `text`, as the store keeps it. */
function storedText(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

/** `tandem_connections_rejected_total` by reason, from `/metrics`. */
async function rejections(server: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
  const counts: Record<string, number> = {}
  for (const match of text.matchAll(/^tandem_connections_rejected_total\{reason="([a-z_]+)"\} (\d+)/gm))
    counts[match[1]!] = Number(match[2])
  return counts
}

/** A secure server whose webhook holds every decision until the test opens it. */
async function serverWithGatedWebhook(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const webhook = await gatedWebhook()
  const server = await startTestServer({
    authSecret: SECRET,
    authWebhookUrl: webhook.url,
    authWebhookTimeoutMs: 60_000,
    authWebhookCacheMs: 0,
    adminToken: ADMIN_TOKEN,
    ...overrides,
  })
  const token = await mintToken({ sub: 'ada', name: 'Ada' }, SECRET, 600)
  return { server, webhook, token }
}

describe('MAX_CONNECTIONS_PER_ADDRESS', () => {
  it('counts document sockets, event sockets and SSE streams together and refuses the next with 429', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 3, adminToken: ADMIN_TOKEN })
    const doc = await upgradeAttempt(server.url, '/collab/a')
    const events = await upgradeAttempt(server.url, '/api/events')
    const sse = await sseStream(`${server.url}/api/events?channel=news`)
    expect([answer(doc), answer(events), sse.status]).toEqual([{ status: 101 }, { status: 101 }, 200])
    expect(server.limits.connectionsOf(LOCAL)).toBe(3)

    expect(answer(await upgradeAttempt(server.url, '/collab/b'))).toEqual({ close: CloseCode.RateLimited })
    expect(answer(await upgradeAttempt(server.url, '/api/events'))).toEqual({ status: 429, code: 'too_many_connections' })
    const refusedStream = await fetch(`${server.url}/api/events?channel=news`)
    expect(refusedStream.status).toBe(429)
    expect(((await refusedStream.json()) as { error: { code: string } }).error.code).toBe('too_many_connections')
    // Other routes are not connections.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
    expect((await rejections(server)).too_many_connections).toBe(3)

    // Each kind frees its slot when it ends, and only once: the cap holds exactly afterwards.
    sse.close()
    await eventually(() => expect(server.limits.connectionsOf(LOCAL)).toBe(2))
    doc.ws?.close()
    await eventually(() => expect(server.limits.connectionsOf(LOCAL)).toBe(1))
    const again = [await upgradeAttempt(server.url, '/collab/c'), await upgradeAttempt(server.url, '/api/events')]
    expect(again.map(answer)).toEqual([{ status: 101 }, { status: 101 }])
    expect(answer(await upgradeAttempt(server.url, '/collab/d'))).toEqual({ close: CloseCode.RateLimited })
    for (const outcome of [events, ...again]) outcome.ws?.terminate()
    await eventually(() =>
      expect(server.limits.usage).toEqual({ addresses: 0, connections: 0, admissions: 0, rateWindows: server.limits.usage.rateWindows }),
    )
  })

  it('frees the slot of an upgrade that fails after admission (a handshake ws refuses)', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 1 })
    for (let i = 0; i < 5; i++) {
      // No Sec-WebSocket-Key: admitted by Tandem, then refused by ws with 400 and never called back.
      const broken = rawConnection(server.port, upgradeRequest('/collab/a', { 'Sec-WebSocket-Key': '' }))
      expect(await broken.closed).toMatch(/^HTTP\/1\.1 400/)
    }
    await eventually(() => expect(server.limits.usage).toMatchObject({ connections: 0, admissions: 0 }))
    expect(answer(await upgradeAttempt(server.url, '/collab/a'))).toEqual({ status: 101 })
  })

  it('frees the slots of clients that leave while their admission is still being decided, and loads nothing for them', async () => {
    const { server, webhook, token } = await serverWithGatedWebhook({ maxConnectionsPerAddress: 4 })
    const leaving = [0, 1, 2, 3].map((i) => rawConnection(server.port, upgradeRequest(`/collab/room-${i}?token=${token}`)))
    await eventually(() => expect(webhook.calls.length).toBe(4))
    expect(server.limits.usage).toMatchObject({ connections: 4, admissions: 4 })
    for (const connection of leaving) connection.socket.destroy()
    // Their connections are gone at once; the admissions stay counted while their webhook calls run.
    await eventually(() => expect(server.limits.usage).toMatchObject({ addresses: 0, connections: 0, admissions: 4 }))
    webhook.open()
    await eventually(() => expect(server.limits.usage.admissions).toBe(0))
    // The webhook's late yes finds the sockets gone: no room is loaded for them.
    const joined = await upgradeAttempt(server.url, `/collab/room-4?token=${token}`)
    expect(answer(joined)).toEqual({ status: 101 })
    expect([...server.registry.loaded()].map((room) => room.name)).toEqual(['room-4'])
    expect(server.limits.usage).toMatchObject({ connections: 1, admissions: 0 })
  })

  it('with TRUST_PROXY, counts per X-Forwarded-For address, and without it ignores the header', async () => {
    const trusting = await startTestServer({ maxConnectionsPerAddress: 1, trustProxy: true })
    const viaProxy = (address: string) => upgradeAttempt(trusting.url, '/collab/a', { 'X-Forwarded-For': `198.51.100.1, ${address}` })
    expect(answer(await viaProxy('203.0.113.1'))).toEqual({ status: 101 })
    expect(answer(await viaProxy('203.0.113.2'))).toEqual({ status: 101 })
    expect(answer(await viaProxy('203.0.113.1'))).toEqual({ close: CloseCode.RateLimited })
    expect(trusting.limits.connectionsOf('203.0.113.1')).toBe(1)

    const direct = await startTestServer({ maxConnectionsPerAddress: 1 })
    expect(answer(await upgradeAttempt(direct.url, '/collab/a', { 'X-Forwarded-For': '203.0.113.1' }))).toEqual({ status: 101 })
    expect(answer(await upgradeAttempt(direct.url, '/collab/a', { 'X-Forwarded-For': '203.0.113.2' }))).toEqual({
      close: CloseCode.RateLimited,
    })
  })
})

describe('MAX_PENDING_UPGRADES', () => {
  it('refuses with 429 server_busy while the server is admitting its maximum, and admits again once decided', async () => {
    const { server, webhook, token } = await serverWithGatedWebhook({ maxPendingUpgrades: 2 })
    const waiting = [upgradeAttempt(server.url, `/collab/a?token=${token}`), upgradeAttempt(server.url, `/collab/b?token=${token}`)]
    await eventually(() => expect(server.limits.usage.admissions).toBe(2))
    expect(answer(await upgradeAttempt(server.url, `/collab/c?token=${token}`))).toEqual({ close: CloseCode.RateLimited })
    // An SSE stream being authorized counts as an admission too.
    expect((await fetch(`${server.url}/api/events?channel=news&token=${token}`)).status).toBe(429)
    webhook.open()
    expect((await Promise.all(waiting)).map(answer)).toEqual([{ status: 101 }, { status: 101 }])
    expect(answer(await upgradeAttempt(server.url, `/collab/c?token=${token}`))).toEqual({ status: 101 })
    expect(server.limits.usage.admissions).toBe(0)
    expect((await rejections(server)).server_busy).toBe(2)
  })
})

describe('MAX_NEW_ROOMS_PER_MINUTE', () => {
  it('refuses a client opening rooms not in memory past its allowance, while rooms already open stay reachable', async () => {
    const server = await startTestServer({ maxNewRoomsPerMinute: 2, trustProxy: true, adminToken: ADMIN_TOKEN })
    const from = (address: string, room: string) => upgradeAttempt(server.url, `/collab/${room}`, { 'X-Forwarded-For': address })
    expect(answer(await from('203.0.113.1', 'one'))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.1', 'two'))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.1', 'three'))).toEqual({ close: CloseCode.RateLimited })
    expect(server.registry.get('three')).toBeUndefined()
    // Loaded rooms cost nothing to join; other addresses have their own allowance.
    expect(answer(await from('203.0.113.1', 'one'))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.2', 'three'))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.1', 'three'))).toEqual({ status: 101 })
    expect((await rejections(server)).too_many_new_rooms).toBe(1)
  })

  it('never counts reopening a stored room that was unloaded as creating one', async () => {
    const server = await startTestServer({ maxNewRoomsPerMinute: 1, roomIdleMs: 0, trustProxy: true, adminToken: ADMIN_TOKEN })
    const from = (address: string, room: string) => upgradeAttempt(server.url, `/collab/${room}`, { 'X-Forwarded-For': address })
    for (const room of ['kept-a', 'kept-b', 'kept-c']) {
      await server.store.appendUpdates([{ name: room, updates: [storedText(room)] }])
    }
    // Each is stored but not in memory: opening them one after another creates nothing.
    for (const room of ['kept-a', 'kept-b', 'kept-c']) expect(answer(await from('203.0.113.9', room))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.9', 'brand-new'))).toEqual({ status: 101 })
    expect(answer(await from('203.0.113.9', 'another-new'))).toEqual({ close: CloseCode.RateLimited })
  })
})
