import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

import { eventsSocket } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { startTestServer } from '../test-support/test-server.js'

interface RoomEvent {
  type: string
  connections: number
  users: unknown[]
  userCount: number
}

/** Open a raw document socket to `room` and wait until it is accepted. */
async function rawConnection(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url)
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
  })
  return ws
}

describe('room activity on room:<name>', () => {
  it('folds a flood of joins and leaves into one stored message per throttle window, the first at once', async () => {
    const throttleMs = 1_500
    const server = await startTestServer({ roomActivityThrottleMs: throttleMs })
    const watcher = await eventsSocket(server.url)
    watcher.send({ type: 'subscribe', channels: ['room:*'] })
    await watcher.waitFor((f) => f.type === 'subscribed')

    const started = Date.now()
    const first = await rawConnection(`${server.collabUrl}/flood`)
    // The first change of a quiet room is announced at once, not at the end of the window.
    const join = await watcher.waitFor((f) => f.type === 'message', throttleMs - 200)
    expect(join).toMatchObject({ channel: 'room:flood', data: { type: 'join', connections: 1 } })

    for (let round = 0; round < 3; round++) {
      const sockets = await Promise.all(Array.from({ length: 10 }, () => rawConnection(`${server.collabUrl}/flood`)))
      for (const ws of sockets) ws.close()
      await eventually(() => expect(server.registry.connectionCount).toBe(1))
    }
    first.close()
    await eventually(() => expect(server.registry.connectionCount).toBe(0))
    const floodMs = Date.now() - started

    // The window's end carries the final state, folded into one message.
    const last = await watcher.waitFor((f) => f.type === 'message' && (f.data as RoomEvent).connections === 0, 3 * throttleMs + 5_000)
    expect(last).toMatchObject({ data: { connections: 0, users: [], userCount: 0 } })
    const stored = (await server.hub.history(['room:flood'], 0, 1_000)).map((m) => m.data as RoomEvent)
    // 61 joins and leaves: one message at the start and at most one per window after it.
    expect(stored.length).toBeLessThanOrEqual(Math.ceil(floodMs / throttleMs) + 2)
    expect(stored.every((event) => event.type === 'join' || event.type === 'leave')).toBe(true)
  })

  it('announces a lone leave as a leave', async () => {
    // A zero window ends with the turn of the event loop: the join and the leave each open their own.
    const server = await startTestServer({ roomActivityThrottleMs: 0 })
    const watcher = await eventsSocket(server.url)
    watcher.send({ type: 'subscribe', channels: ['room:quiet'] })
    await watcher.waitFor((f) => f.type === 'subscribed')
    const ws = await rawConnection(`${server.collabUrl}/quiet`)
    await watcher.waitFor((f) => f.type === 'message' && (f.data as RoomEvent).type === 'join')
    ws.close()
    const leave = await watcher.waitFor((f) => f.type === 'message' && (f.data as RoomEvent).type === 'leave')
    expect(leave).toMatchObject({ data: { connections: 0 } })
  })
})
