/**
 * History replays over the real transports: a replay of more history than the transport may buffer
 * goes out at its reader's pace, so a reader that pauses is neither cut off as a slow consumer nor
 * sent everything at once, and it gets every message, in order, once it reads again.
 */
import type { IncomingMessage } from 'node:http'
import { request } from 'node:http'

import { decodeCollabMessage, encodeChannelFrame, MessageType, type ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'

import { eventsSocket, sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { rawCollabSocket } from '../test-support/raw-collab-socket.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'

/** 300 messages of 30 KB: 9 MB, far more than the 64 KiB the transports below may buffer. */
const MESSAGES = 300
const TEXT = 'h'.repeat(30_000)
const SMALL_BUFFERS = { maxEventBufferBytes: 64 * 1024, maxBufferedBytes: 64 * 1024 }

async function seed(server: TestServer, messages = MESSAGES): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < messages; i++) {
    const channel = `history-${i % 3}`
    ids.push((await server.hub.publish([channel], { i, text: TEXT })).ids[channel]!)
  }
  return ids
}

const messageIds = (frames: readonly ServerChannelFrame[]): number[] =>
  frames.flatMap((frame) => (frame.type === 'message' ? [frame.id] : []))

describe('replaying a long channel history', () => {
  it('over /api/events, to a reader that pauses: every message in order, and the connection stays open', async () => {
    const server = await startTestServer(SMALL_BUFFERS)
    const ids = await seed(server)
    const subscriber = await eventsSocket(server.url)
    let closedWith: number | null = null
    void subscriber.closed.then((code) => (closedWith = code))
    subscriber.ws.pause()
    subscriber.send({ type: 'subscribe', channels: ['history-*'], since: 0 })
    const socket = (subscriber.ws as unknown as { _socket: { readableLength: number } })._socket
    await eventually(() => expect(socket.readableLength).toBeGreaterThan(0))
    subscriber.ws.resume()
    await eventually(() => expect(subscriber.frames.at(-1)?.type).toBe('subscribed'), { timeout: 30_000 })
    expect(subscriber.messageIds()).toEqual(ids)
    expect(closedWith).toBe(null)
  })

  it('over a document socket: every message in order, and the document connection stays open', async () => {
    const server = await startTestServer(SMALL_BUFFERS)
    const ids = await seed(server)
    const socket = await rawCollabSocket(server, 'replay')
    let closedWith: number | null = null
    void socket.closed.then(({ code }) => (closedWith = code))
    socket.ws.send(encodeChannelFrame(JSON.stringify({ type: 'subscribe', channels: ['history-*'], since: 0 })))
    const frames = (): ServerChannelFrame[] =>
      socket.received.flatMap((bytes) => {
        const message = decodeCollabMessage(bytes)
        return message.type === MessageType.Channel ? [JSON.parse(message.json) as ServerChannelFrame] : []
      })
    await eventually(() => expect(frames().at(-1)?.type).toBe('subscribed'), { timeout: 30_000 })
    expect(messageIds(frames())).toEqual(ids)
    expect(closedWith).toBe(null)
  })

  it('over Server-Sent Events: every message in order, and the stream stays open', async () => {
    const server = await startTestServer(SMALL_BUFFERS)
    const ids = await seed(server)
    const stream = await sseStream(`${server.url}/api/events?channel=history-*&since=0`)
    await eventually(() => expect(stream.frames.at(-1)?.type).toBe('subscribed'), { timeout: 30_000 })
    expect(stream.messageIds()).toEqual(ids)
    const heartbeatOrMore = stream.raw().length
    await server.hub.publish(['history-0'], 'still open')
    await eventually(() => expect(stream.raw().length).toBeGreaterThan(heartbeatOrMore))
    expect(stream.frames.at(-1)).toMatchObject({ type: 'message', data: 'still open' })
  })

  it('an SSE replay waiting for its reader holds no admission slot: other streams are admitted meanwhile', async () => {
    const server = await startTestServer({ ...SMALL_BUFFERS, maxPendingUpgrades: 1 })
    await seed(server, 1_000)
    // A reader that never reads: its replay waits for it for as long as it stays connected.
    const stuck = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}/api/events?channel=history-*&since=0`, (res) => {
        res.pause()
        resolve(res)
      })
      req.on('error', reject)
      req.end()
      onTestFinished(() => {
        req.destroy()
      })
    })
    expect(stuck.statusCode).toBe(200)
    const other = await sseStream(`${server.url}/api/events?channel=news`)
    expect(other.status).toBe(200)
    await other.waitFor((frame) => frame.type === 'subscribed')
  })
})
