/**
 * Channel privacy: `user:<id>` reaches only that user, `room:<name>` only who may read the room.
 * Every way to name such a channel (the exact name, `prefix*` for every prefix of it, `*`) is tried
 * by anonymous callers (open mode), a read-only and another user (secure mode, with a `*` channel
 * grant), and the same with an application webhook that says yes to everything; over the
 * `/api/events` WebSocket, Server-Sent Events, channel frames on a document socket and the HTTP
 * history route; against history (`since: 0`, with retention gaps) and live messages. Nothing
 * private may arrive: no message, no gap naming the channel, no byte of its content.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { decodeCollabMessage, encodeChannelFrame, MessageType, type ServerChannelFrame } from '@tandem/protocol'
import { mintToken, type TokenClaims } from '@tandem/server/src/auth/tokens.js'
import { sseStream } from '@tandem/server/src/test-support/event-clients.js'
import { eventually } from '@tandem/server/src/test-support/eventually.js'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

import { recordFigures } from './support/figures.js'
import { HostileServer } from './support/hostile-server.js'

const SECRET = 'hostile-channel-privacy-secret-0123456789'
const PUBLISH_KEY = 'hostile-channel-privacy-publish-key'
const USER_CHANNEL = 'user:alice'
const ROOM = 'private'
const ROOM_CHANNEL = `room:${ROOM}`
/** Every private payload carries this, so a leak shows up in any frame however it is shaped. */
const MARK = 'SECRET-'

/** The exact name, `prefix*` for every prefix of it (down to one character), and `*`. */
function namings(channel: string): string[] {
  return ['*', ...Array.from({ length: channel.length + 1 }, (_, i) => `${channel.slice(0, i)}*`).slice(1), channel]
}
const NAMINGS = [...new Set([...namings(USER_CHANNEL), ...namings(ROOM_CHANNEL)])]

/** Server settings: limits per address raised (dozens of streams come from one address), small retention for gaps. */
const BASE_ENV = {
  PUBLISH_KEY,
  MAX_CONNECTIONS_PER_ADDRESS: '10000',
  MAX_SOCKETS_PER_ADDRESS: '10000',
  MAX_NEW_ROOMS_PER_MINUTE: '10000',
  ROOM_ACTIVITY_THROTTLE_MS: '0',
  CHANNEL_RETENTION: JSON.stringify({ 'user:*': { maxMessages: 2 }, [ROOM_CHANNEL]: { maxMessages: 2 } }),
}

/** Who attacks: a label, the token (none in open mode), its user id, and the rooms it may read. */
interface Attacker {
  label: string
  token: string | null
  id: string | null
  readsRoom: (room: string) => boolean
}

/** Everything one attacker received, per transport. */
interface Haul {
  attacker: Attacker
  logs: Array<{ transport: string; naming: string; frames: ServerChannelFrame[] }>
  history: Array<{ naming: string; status: number; body: string }>
}

async function publish(server: HostileServer, channel: string, data: unknown): Promise<void> {
  const response = await fetch(`${server.url}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  })
  if (response.status !== 200) throw new Error(`publish to ${channel} answered ${response.status}: ${await response.text()}`)
}

/** The application's permission endpoint, answering yes to every question. */
async function yesWebhook(): Promise<{ url: string; calls: Array<Record<string, unknown>> }> {
  const calls: Array<Record<string, unknown>> = []
  const server: Server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      calls.push(JSON.parse(body) as Record<string, unknown>)
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/allow`, calls }
}

const withToken = (url: string, token: string | null): string => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${token}` : url)

/** A WebSocket that collects JSON channel frames (events socket) or channel frames inside binary frames (document socket). */
async function channelSocket(url: string, carrier: 'events' | 'document') {
  const ws = new WebSocket(url)
  const frames: ServerChannelFrame[] = []
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (carrier === 'events' && !isBinary) frames.push(JSON.parse(data.toString()) as ServerChannelFrame)
    if (carrier === 'document' && isBinary) {
      const message = decodeCollabMessage(new Uint8Array(data))
      if (message.type === MessageType.Channel) frames.push(JSON.parse(message.json) as ServerChannelFrame)
    }
  })
  ws.on('error', () => {})
  onTestFinished(() => ws.terminate())
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_request, response) => reject(new Error(`${url}: HTTP ${response.statusCode}`)))
  })
  const send = (frame: unknown): void => {
    const json = JSON.stringify(frame)
    ws.send(carrier === 'events' ? json : encodeChannelFrame(json))
  }
  return { ws, frames, send }
}

/** Subscribe `attacker` every way, on every transport, and wait until each subscription was answered. */
async function subscribeEveryWay(server: HostileServer, attacker: Attacker): Promise<Haul> {
  const haul: Haul = { attacker, logs: [], history: [] }
  const sockets = [
    { transport: 'events socket', socket: await channelSocket(withToken(server.eventsUrl, attacker.token), 'events') },
    { transport: 'document socket', socket: await channelSocket(withToken(`${server.collabUrl}/public`, attacker.token), 'document') },
  ]
  for (const { transport, socket } of sockets) {
    // One frame per naming, so each is answered on its own; all share the socket (and its session).
    socket.send({ type: 'subscribe', channels: ['broadcast'], since: 0 })
    for (const naming of NAMINGS) socket.send({ type: 'subscribe', channels: [naming], since: 0 })
    haul.logs.push({ transport, naming: 'every naming', frames: socket.frames })
  }
  const streams = await Promise.all(
    NAMINGS.map(async (naming) => {
      const query = `channel=${encodeURIComponent(naming)}&channel=broadcast&since=0`
      const stream = await sseStream(
        `${server.url}/api/events?${query}`,
        attacker.token ? { Authorization: `Bearer ${attacker.token}` } : {},
      )
      return { naming, stream }
    }),
  )
  for (const { naming, stream } of streams) {
    if (stream.status === 200) haul.logs.push({ transport: 'SSE', naming, frames: stream.frames })
    else expect([400, 403], `SSE ${naming} for ${attacker.label}`).toContain(stream.status)
  }
  await eventually(() => {
    for (const { transport, frames } of haul.logs) {
      const answers = frames.filter((f) => f.type === 'subscribed' || f.type === 'error').length
      const expected = transport === 'SSE' ? 1 : NAMINGS.length + 1
      if (answers < expected) throw new Error(`${attacker.label} ${transport}: ${answers} of ${expected} subscriptions answered`)
    }
  })
  for (const naming of NAMINGS) {
    const response = await fetch(withToken(`${server.url}/api/channels/${encodeURIComponent(naming)}/messages?since=0`, attacker.token))
    haul.history.push({ naming, status: response.status, body: await response.text() })
  }
  return haul
}

/** Whether `attacker` may read `channel` (a channel name, not a pattern). */
function mayRead(attacker: Attacker, channel: string): boolean {
  if (channel.startsWith('user:')) return channel === `user:${attacker.id}`
  if (channel.startsWith('room:')) return attacker.readsRoom(channel.slice('room:'.length))
  return true
}

/** What in `frames` `attacker` should never have seen: messages and gaps of channels it may not read, private content anywhere else. */
function leaks(attacker: Attacker, frames: readonly ServerChannelFrame[]): string[] {
  return frames.flatMap((frame) => {
    if ((frame.type === 'message' || frame.type === 'gap') && !mayRead(attacker, frame.channel))
      return [`${frame.type} on ${frame.channel}`]
    const json = JSON.stringify(frame)
    if (json.includes(MARK) && frame.type !== 'message') return [`private content in ${json.slice(0, 120)}`]
    return []
  })
}

/** Run the whole attack on `server` for `attackers`; `owner` proves private messages do flow to who may read them. */
async function attack(
  server: HostileServer,
  attackers: Attacker[],
  owner: Attacker | null,
): Promise<{ frames: number; subscriptions: number }> {
  for (let i = 0; i < 4; i++) {
    await publish(server, USER_CHANNEL, `${MARK}user-before-${i}`)
    await publish(server, ROOM_CHANNEL, `${MARK}room-before-${i}`)
  }
  await publish(server, 'user-news', 'public: looks private, is not')
  await publish(server, 'room:public', 'public room, before')

  const hauls: Haul[] = []
  for (const attacker of attackers) hauls.push(await subscribeEveryWay(server, attacker))
  const ownerSocket = owner ? await channelSocket(withToken(server.eventsUrl, owner.token), 'events') : null
  ownerSocket?.send({ type: 'subscribe', channels: [USER_CHANNEL, ROOM_CHANNEL], since: 0 })

  // Live: published messages, and real joins and leaves of the private room by its owner.
  await publish(server, USER_CHANNEL, `${MARK}user-after`)
  await publish(server, ROOM_CHANNEL, `${MARK}room-after`)
  if (owner) {
    const visit = await channelSocket(withToken(`${server.collabUrl}/${ROOM}`, owner.token), 'document')
    visit.ws.close()
  }
  await publish(server, 'user-news', 'public: after')
  await publish(server, 'room:public', 'public room, after')
  await publish(server, 'broadcast', 'the end')

  let frames = 0
  let subscriptions = 0
  for (const haul of hauls) {
    for (const log of haul.logs) {
      const where = `${haul.attacker.label} over ${log.transport} (${log.naming})`
      await eventually(() =>
        expect(
          log.frames.some((f) => f.type === 'message' && f.data === 'the end'),
          where,
        ).toBe(true),
      )
      expect(leaks(haul.attacker, log.frames), where).toEqual([])
      frames += log.frames.length
      subscriptions += log.frames.filter((f) => f.type === 'subscribed').length
    }
    // The wide patterns were live, not merely refused: the public channels they match came through.
    const events = haul.logs.find((log) => log.transport === 'events socket')!.frames
    const delivered = new Set(events.flatMap((f) => (f.type === 'message' ? [f.data] : [])))
    expect(delivered, haul.attacker.label).toContain('public: after')
    expect(delivered, haul.attacker.label).toContain('public room, after')
    for (const { naming, status, body } of haul.history) {
      const where = `${haul.attacker.label} GET history of ${naming}`
      if (naming.includes('*')) expect(status, where).toBe(400)
      else if (!mayRead(haul.attacker, naming)) expect(status, where).toBe(403)
      if (naming.includes('*') || !mayRead(haul.attacker, naming)) expect(body.includes(MARK), where).toBe(false)
    }
  }
  if (ownerSocket) {
    await eventually(() => {
      const data = ownerSocket.frames.flatMap((f) => (f.type === 'message' ? [f.data] : []))
      expect(data).toContain(`${MARK}user-after`)
      expect(data).toContain(`${MARK}room-after`)
    })
    // Retention kept two of the four early messages per channel: the owner is told of the gap.
    expect(ownerSocket.frames.filter((f) => f.type === 'gap').map((f) => (f.type === 'gap' ? f.channel : ''))).toEqual([
      ROOM_CHANNEL,
      USER_CHANNEL,
    ])
  }
  server.assertUnharmed()
  return { frames, subscriptions }
}

const token = (claims: Partial<TokenClaims> & { sub: string }) => mintToken({ name: claims.sub, ...claims }, SECRET, 600)
const everyRoom = () => true
const onlyPublic = (room: string) => room === 'public'

describe('channel privacy', () => {
  it('open mode: no naming of user:alice reaches an anonymous subscriber', async () => {
    const server = await HostileServer.start(BASE_ENV)
    const anonymous: Attacker = { label: 'anonymous', token: null, id: null, readsRoom: everyRoom }
    const figures = await attack(server, [anonymous], null)
    recordFigures('channel privacy, open mode', { namings: NAMINGS.length, ...figures })
  })

  it('secure mode: a read-only user and another user, both granted channel *, read neither user:alice nor room:private', async () => {
    const server = await HostileServer.start({ ...BASE_ENV, AUTH_SECRET: SECRET })
    const reader: Attacker = {
      label: 'read-only',
      token: await token({ sub: 'reader', rooms: { public: 'read' }, channels: ['*'] }),
      id: 'reader',
      readsRoom: onlyPublic,
    }
    const mallory: Attacker = {
      label: 'other user',
      token: await token({ sub: 'mallory', rooms: { public: 'write' }, channels: ['*'] }),
      id: 'mallory',
      readsRoom: onlyPublic,
    }
    const alice: Attacker = {
      label: 'alice',
      token: await token({ sub: 'alice', rooms: { '*': 'write' }, channels: [] }),
      id: 'alice',
      readsRoom: everyRoom,
    }
    const figures = await attack(server, [reader, mallory], alice)
    recordFigures('channel privacy, secure mode', { namings: NAMINGS.length, ...figures })
  })

  it('secure mode with a webhook that allows everything: still no user:alice, and token room grants still bound it', async () => {
    const webhook = await yesWebhook()
    const server = await HostileServer.start({ ...BASE_ENV, AUTH_SECRET: SECRET, AUTH_WEBHOOK_URL: webhook.url })
    const reader: Attacker = {
      label: 'read-only',
      token: await token({ sub: 'reader', rooms: { public: 'read' }, channels: ['*'] }),
      id: 'reader',
      readsRoom: onlyPublic,
    }
    const mallory: Attacker = {
      label: 'other user',
      token: await token({ sub: 'mallory', rooms: { public: 'write' } }),
      id: 'mallory',
      readsRoom: onlyPublic,
    }
    // No grants at all: the webhook decides rooms (and lets it read every room), never user channels.
    const drifter: Attacker = { label: 'webhook-only user', token: await token({ sub: 'drifter' }), id: 'drifter', readsRoom: everyRoom }
    const alice: Attacker = {
      label: 'alice',
      token: await token({ sub: 'alice', rooms: { '*': 'write' }, channels: [] }),
      id: 'alice',
      readsRoom: everyRoom,
    }
    const figures = await attack(server, [reader, mallory, drifter], alice)
    expect(webhook.calls.filter((call) => String(call.channel ?? '').startsWith('user:'))).toEqual([])
    recordFigures('channel privacy, secure mode + webhook', { namings: NAMINGS.length, ...figures, 'webhook calls': webhook.calls.length })
  })
})
