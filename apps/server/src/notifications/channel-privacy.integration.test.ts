import { decodeCollabMessage, encodeChannelFrame, MessageType, type ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

import { mintToken, type TokenClaims } from '../auth/tokens.js'
import { eventsSocket, sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'channel-privacy-test-secret-0123456789ab'
const PUBLISH_KEY = 'channel-privacy-publish-key-0123'

async function publish(server: TestServer, channel: string, data: unknown): Promise<void> {
  const response = await fetch(`${server.url}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  })
  expect(response.status).toBe(200)
}

/** Channel frames that arrive on a document socket to `room`. */
async function documentSocket(server: TestServer, room: string, token?: string) {
  const ws = new WebSocket(`${server.collabUrl}/${room}${token ? `?token=${token}` : ''}`)
  const frames: ServerChannelFrame[] = []
  ws.on('message', (data: Buffer) => {
    const message = decodeCollabMessage(new Uint8Array(data))
    if (message.type === MessageType.Channel) frames.push(JSON.parse(message.json) as ServerChannelFrame)
  })
  ws.on('error', () => {})
  await new Promise((resolve) => ws.once('open', resolve))
  return { ws, frames, send: (frame: unknown) => ws.send(encodeChannelFrame(JSON.stringify(frame))) }
}

const messagesOf = (frames: readonly ServerChannelFrame[]): Array<[string, unknown]> =>
  frames.flatMap((f) => (f.type === 'message' ? [[f.channel, f.data] as [string, unknown]] : []))

describe('channel privacy: a wildcard never reaches another user or an unreadable room', () => {
  it('open mode: u*, us*, user* and user:* deliver no user:<id> message, from history or live, on any transport', async () => {
    const server = await startTestServer({ publishKey: PUBLISH_KEY, channelRetention: { 'user:*': { maxMessages: 1 } } })
    await publish(server, 'user:alice', 'secret 1')
    await publish(server, 'user:alice', 'secret 2')
    // Looks like a user channel, is not one: every pattern below matches it.
    await publish(server, 'user-news', 'public before')

    const wide = ['u*', 'us*', 'use*', 'user*']
    const ws = await eventsSocket(server.url)
    ws.send({ type: 'subscribe', channels: [...wide, 'user:*', 'user:a*', 'broadcast'], since: 0 })
    await ws.waitFor((f) => f.type === 'subscribed')
    const doc = await documentSocket(server, 'any-room')
    doc.send({ type: 'subscribe', channels: [...wide, 'broadcast'], since: 0 })
    await eventually(() => expect(doc.frames.some((f) => f.type === 'subscribed')).toBe(true))
    const streams = await Promise.all(
      wide.map((pattern) => sseStream(`${server.url}/api/events?channel=${pattern}&channel=broadcast&since=0`)),
    )
    for (const stream of streams) await stream.waitFor((f) => f.type === 'subscribed')

    await publish(server, 'user:alice', 'secret live')
    await publish(server, 'user-news', 'public after')
    await publish(server, 'broadcast', 'the end')
    for (const log of [ws, ...streams]) await log.waitFor((f) => f.type === 'message' && f.data === 'the end')
    await eventually(() => expect(messagesOf(doc.frames).some(([, data]) => data === 'the end')).toBe(true))

    for (const frames of [ws.frames, doc.frames, ...streams.map((s) => s.frames)]) {
      expect(messagesOf(frames)).toEqual([
        ['user-news', 'public before'],
        ['user-news', 'public after'],
        ['broadcast', 'the end'],
      ])
      // A gap on user:alice would tell that alice has messages at all.
      expect(frames.filter((f) => f.type === 'gap')).toEqual([])
    }
    expect(ws.frames.filter((f) => f.type === 'error').map((f) => (f.type === 'error' ? f.code : ''))).toEqual(['forbidden', 'forbidden'])
    expect((await fetch(`${server.url}/api/channels/user:alice/messages?since=0`)).status).toBe(403)
    expect((await fetch(`${server.url}/api/channels/${encodeURIComponent('u*')}/messages?since=0`)).status).toBe(400)
  })

  it('secure mode: a * channel grant and room:* deliver only the rooms the token may read', async () => {
    const server = await startTestServer({ authSecret: SECRET, publishKey: PUBLISH_KEY })
    const token = (claims: Partial<TokenClaims>) => mintToken({ sub: 'mallory', name: 'Mallory', ...claims }, SECRET, 300)
    const mallory = await token({ rooms: { public: 'read' }, channels: ['*'] })
    await publish(server, 'room:private', 'secret before')
    await publish(server, 'room:public', 'public before')

    const events = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=${mallory}`)
    const frames: ServerChannelFrame[] = []
    events.on('message', (data) => frames.push(JSON.parse(String(data)) as ServerChannelFrame))
    await new Promise((resolve) => events.once('open', resolve))
    events.send(
      JSON.stringify({ type: 'subscribe', channels: ['r*', 'ro*', 'room*', 'room:*', 'room:p*', 'room:private', 'broadcast'], since: 0 }),
    )
    await eventually(() => expect(frames.some((f) => f.type === 'subscribed')).toBe(true))
    const stream = await sseStream(`${server.url}/api/events?channel=room:*&since=0`, { Authorization: `Bearer ${mallory}` })
    await stream.waitFor((f) => f.type === 'subscribed')

    await publish(server, 'room:private', 'secret after')
    await publish(server, 'room:public', 'public after')
    await eventually(() => expect(messagesOf(frames).filter(([, data]) => data === 'public after')).toHaveLength(1))
    await stream.waitFor((f) => f.type === 'message' && f.data === 'public after')

    const expected = [
      ['room:public', 'public before'],
      ['room:public', 'public after'],
    ]
    expect(messagesOf(frames)).toEqual(expected)
    expect(messagesOf(stream.frames)).toEqual(expected)
    expect(frames.find((f) => f.type === 'subscribed')).toMatchObject({
      channels: ['r*', 'ro*', 'room*', 'room:*', 'room:p*', 'broadcast'],
    })
    expect((await fetch(`${server.url}/api/channels/room:private/messages?since=0&token=${mallory}`)).status).toBe(403)
    events.terminate()
  })
})
