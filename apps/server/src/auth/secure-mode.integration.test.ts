import { CloseCode, decodeCollabMessage, encodeAwarenessFrame, encodeSyncUpdate, MessageType, SyncStep } from '@tandem/protocol'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

import { sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'
import { mintToken, type TokenClaims } from './tokens.js'

const SECRET = 'secure-mode-test-secret-0123456789abcdef'
const PUBLISH_KEY = 'secure-mode-publish-key-0123'
const token = (claims: Partial<TokenClaims> = {}, ttl = 300) =>
  mintToken({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' }, channels: ['news'], ...claims }, SECRET, ttl)
const secureServer = (overrides = {}) => startTestServer({ authSecret: SECRET, publishKey: PUBLISH_KEY, ...overrides })

/** How a WebSocket upgrade to `path` is answered: HTTP status and code, 101, or the close code of a refusal. */
async function upgradeStatus(server: TestServer, path: string, headers: Record<string, string> = {}) {
  return answer(await upgradeAttempt(server.url, path, headers))
}

async function publish(server: TestServer, channel: string, data: unknown): Promise<number> {
  const response = await fetch(`${server.url}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  })
  return ((await response.json()) as { ids: Record<string, number> }).ids[channel]!
}

describe('secure mode: admission before upgrade', () => {
  it('refuses missing, expired, badly signed and alg:none tokens with 401, and ungranted rooms with 403', async () => {
    const server = await secureServer()
    const key = new TextEncoder().encode(SECRET)
    const expired = await new SignJWT({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key)
    const wrongKey = await new SignJWT({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(40)))
    const none = new UnsecuredJWT({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' } }).setExpirationTime('1h').encode()
    // A browser cannot read the HTTP status of a refused upgrade: document connections are accepted
    // and closed at once with a code it can read.
    expect(await upgradeStatus(server, '/collab/doc')).toEqual({ close: CloseCode.Unauthorized })
    expect(await upgradeStatus(server, `/collab/doc?token=${expired}`)).toEqual({ close: CloseCode.TokenExpired })
    expect(await upgradeStatus(server, `/collab/doc?token=${wrongKey}`)).toEqual({ close: CloseCode.Unauthorized })
    expect(await upgradeStatus(server, `/collab/doc?token=${none}`)).toEqual({ close: CloseCode.Unauthorized })
    expect(await upgradeStatus(server, '/collab/doc?token=garbage')).toEqual({ close: CloseCode.Unauthorized })
    const teamOnly = await token({ rooms: { 'team-*': 'write' } })
    expect(await upgradeStatus(server, `/collab/other?token=${teamOnly}`)).toEqual({ close: CloseCode.Forbidden })
    expect(await upgradeStatus(server, `/collab/team-a?token=${teamOnly}`)).toEqual({ status: 101 })
    expect(await upgradeStatus(server, '/collab/team-a', { Authorization: `Bearer ${teamOnly}` })).toEqual({ status: 101 })
    expect(await upgradeStatus(server, '/api/events')).toEqual({ status: 401, code: 'unauthorized' })
    // Nothing was loaded for refused connections.
    expect(server.registry.get('doc')).toBeUndefined()
  })

  it('refuses browser connections from foreign origins, in open and secure mode', async () => {
    const open = await startTestServer()
    const host = new URL(open.url).host
    expect(await upgradeStatus(open, '/collab/doc', { Origin: 'https://evil.example' })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    })
    expect(await upgradeStatus(open, '/api/events', { Origin: 'null' })).toEqual({ status: 403, code: 'origin_not_allowed' })
    expect(await upgradeStatus(open, '/collab/doc', { Origin: `http://${host}` })).toEqual({ status: 101 })
    expect((await fetch(`${open.url}/api/events?channel=news`, { headers: { Origin: 'https://evil.example' } })).status).toBe(403)

    const listed = await startTestServer({ allowedOrigins: ['https://app.example.com'] })
    expect(await upgradeStatus(listed, '/collab/doc', { Origin: 'https://app.example.com' })).toEqual({ status: 101 })
    expect(await upgradeStatus(listed, '/collab/doc', { Origin: `http://${new URL(listed.url).host}` })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    })
  })
})

describe('secure mode: enforcement inside rooms', () => {
  it('drops every update of a read-only connection: 100 updates change neither storage nor other clients', async () => {
    const server = await secureServer()
    const writer = await connectClient(server, 'shared', { token: await token({ sub: 'w', name: 'Writer' }) })
    writer.text.insert(0, 'original')
    await eventually(async () => expect((await server.store.load('shared'))?.updates.length).toBeGreaterThan(0))
    const storedBefore = await server.store.load('shared')

    const reader = await connectClient(server, 'shared', { token: await token({ sub: 'r', name: 'Reader', rooms: { shared: 'read' } }) })
    expect(reader.text.toString()).toBe('original')
    for (let i = 0; i < 100; i++) reader.text.insert(0, `${i}`)
    await eventually(() => expect(server.registry.get('shared')?.droppedUpdates).toBeGreaterThanOrEqual(100))
    await server.registry.flushed()

    expect(writer.text.toString()).toBe('original')
    expect(await server.store.load('shared')).toEqual(storedBefore)
    const fresh = await connectClient(server, 'shared', { token: await token() })
    expect(fresh.text.toString()).toBe('original')
    // The reader still receives the writer's edits.
    writer.text.insert(8, '!')
    await eventually(() => expect(reader.text.toString()).toContain('original!'))
  })

  it('tells a read-only connection so before anything else, and a writer nothing of the kind', async () => {
    const server = await secureServer()
    const firstFrame = async (access: 'read' | 'write') => {
      const ws = new WebSocket(`${server.collabUrl}/shared?token=${await token({ rooms: { shared: access } })}`)
      onTestFinished(() => ws.terminate())
      return new Promise<Uint8Array>((resolve) => ws.once('message', (data: Buffer) => resolve(new Uint8Array(data))))
    }
    expect(decodeCollabMessage(await firstFrame('read'))).toEqual({ type: MessageType.Auth, access: 'read' })
    expect(decodeCollabMessage(await firstFrame('write'))).toMatchObject({ type: MessageType.Sync, step: SyncStep.Step1 })
  })

  it("ignores awareness set for another connection's client id, and stamps names from the token", async () => {
    const server = await secureServer()
    const ada = await connectClient(server, 'cursors', { token: await token({ sub: 'ada', name: 'Ada', color: '#e91e63' }) })
    const bob = await connectClient(server, 'cursors', { token: await token({ sub: 'bob', name: 'Bob' }) })
    ada.provider.awareness.setLocalStateField('user', { name: 'Claimed Admin', color: '#000000' })
    await eventually(() =>
      expect(bob.provider.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { id: 'ada', name: 'Ada', color: '#e91e63' } }),
    )

    // A raw connection tries to overwrite, then erase, Ada's cursor by sending her client id.
    const mallory = new WebSocket(`${server.collabUrl}/cursors?token=${await token({ sub: 'mal', name: 'Mallory' })}`)
    await new Promise((resolve) => mallory.once('open', resolve))
    const forged = new awarenessProtocol.Awareness(new Y.Doc())
    forged.states.set(ada.doc.clientID, { user: { name: 'Hijacked' } })
    forged.meta.set(ada.doc.clientID, { clock: 9999, lastUpdated: Date.now() })
    mallory.send(encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(forged, [ada.doc.clientID])))
    forged.states.delete(ada.doc.clientID)
    forged.meta.set(ada.doc.clientID, { clock: 10_000, lastUpdated: Date.now() })
    mallory.send(encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(forged, [ada.doc.clientID])))
    // A marker edit proves Mallory's earlier frames were processed.
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'mark')
    mallory.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)))
    await eventually(() => expect(bob.text.toString()).toBe('mark'))
    expect(bob.provider.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { id: 'ada', name: 'Ada', color: '#e91e63' } })
    mallory.terminate()
    forged.destroy()
  })

  it('closes a connection with TokenExpired when its token expires', async () => {
    const server = await secureServer()
    const ws = new WebSocket(`${server.collabUrl}/short?token=${await token({}, 2)}`)
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((resolve) => ws.once('open', resolve))
    expect(await closed).toBe(CloseCode.TokenExpired)
  })
})

describe('secure mode: channels', () => {
  it('delivers user:<id> only to that user, and other channels by grant', async () => {
    const server = await secureServer()
    const adaWs = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=${await token({ sub: 'ada' })}`)
    const frames: Array<{ type: string; code?: string; channel?: string; data?: unknown; channels?: string[] }> = []
    adaWs.on('message', (data) => frames.push(JSON.parse(String(data))))
    await new Promise((resolve) => adaWs.once('open', resolve))
    adaWs.send(JSON.stringify({ type: 'subscribe', channels: ['user:ada', 'user:bob', 'news', 'sports', 'broadcast'] }))
    await eventually(() => expect(frames.find((f) => f.type === 'subscribed')).toBeDefined())
    expect(frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(['forbidden', 'forbidden'])
    expect(frames.find((f) => f.type === 'subscribed')?.channels).toEqual(['user:ada', 'news', 'broadcast'])
    await publish(server, 'user:bob', 'for bob')
    await publish(server, 'sports', 'not granted')
    const last = await publish(server, 'user:ada', 'for ada')
    await eventually(() => expect(frames.some((f) => f.type === 'message' && f.data === 'for ada')).toBe(true))
    expect(frames.filter((f) => f.type === 'message').map((f) => f.data)).toEqual(['for ada'])
    expect(last).toBeGreaterThan(0)
    adaWs.terminate()
  })

  it('applies the same rules to SSE and history', async () => {
    const server = await secureServer()
    const adaToken = await token({ sub: 'ada' })
    expect((await fetch(`${server.url}/api/events?channel=news`)).status).toBe(401)
    expect((await fetch(`${server.url}/api/events?channel=user:bob&token=${adaToken}`)).status).toBe(403)
    const stream = await sseStream(`${server.url}/api/events?channel=news`, { Authorization: `Bearer ${adaToken}` })
    expect(stream.status).toBe(200)
    await stream.waitFor((f) => f.type === 'subscribed')
    expect((await fetch(`${server.url}/api/channels/user:bob/messages?token=${adaToken}`)).status).toBe(403)
    expect((await fetch(`${server.url}/api/channels/news/messages?token=${adaToken}`)).status).toBe(200)
    expect((await fetch(`${server.url}/api/channels/news/messages`)).status).toBe(401)
  })

  it('lists only readable rooms', async () => {
    const server = await secureServer()
    await connectClient(server, 'team-a', { token: await token() })
    await connectClient(server, 'private', { token: await token() })
    const limited = await token({ rooms: { 'team-*': 'read' } })
    const body = (await (await fetch(`${server.url}/api/rooms?token=${limited}`)).json()) as { rooms: Array<{ name: string }> }
    expect(body.rooms.map((r) => r.name)).toEqual(['team-a'])
    expect((await fetch(`${server.url}/api/rooms`)).status).toBe(401)
  })
})
