import type { Socket } from 'node:net'
import { createConnection } from 'node:net'

import { CloseCode, encodeSyncUpdate, MessageType } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

/** Open a raw `ws` socket to a room and collect how it closes. */
async function rawSocket(server: TestServer, room: string) {
  const ws = new WebSocket(`${server.collabUrl}/${room}`)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
  return { ws, closed }
}

/** Send a masked client frame with the given first byte (FIN, RSV bits, opcode) straight to the TCP socket. */
function writeRawFrame(ws: WebSocket, firstByte: number, payload: Uint8Array): void {
  const mask = [1, 2, 3, 4]
  const header = [firstByte, 0x80 | payload.length, ...mask]
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!)
  ;(ws as unknown as { _socket: Socket })._socket.write(Buffer.from([...header, ...masked]))
}

/** Each case's server must still serve a healthy client with its stored content intact. */
async function expectRoomStillHealthy(server: TestServer, room: string, text: string): Promise<void> {
  const fresh = await connectClient(server, room)
  expect(fresh.text.toString()).toBe(text)
  const health = await fetch(`${server.url}/api/health`)
  expect(health.status).toBe(200)
}

async function seededRoom(room: string, maxFrameBytes = 1024 * 1024) {
  const server = await startTestServer({ maxFrameBytes })
  const writer = await connectClient(server, room)
  writer.text.insert(0, 'precious')
  await eventually(async () => expect((await server.store.load(room))?.updates.length).toBeGreaterThan(0))
  return { server, writer }
}

describe('bad input closes only the offending connection', () => {
  const cases: Array<{ name: string; send: (ws: WebSocket) => void; code: number }> = [
    { name: 'a text frame', send: (ws) => ws.send('hello'), code: CloseCode.UnsupportedData },
    {
      name: 'a truncated sync frame',
      send: (ws) => ws.send(new Uint8Array([MessageType.Sync, 2, 40, 1, 2])),
      code: CloseCode.MalformedMessage,
    },
    {
      name: 'trailing bytes after a message',
      send: (ws) => ws.send(new Uint8Array([MessageType.QueryAwareness, 0, 0])),
      code: CloseCode.MalformedMessage,
    },
    { name: 'an empty binary frame', send: (ws) => ws.send(new Uint8Array()), code: CloseCode.MalformedMessage },
    { name: 'an unknown message type', send: (ws) => ws.send(new Uint8Array([9])), code: CloseCode.UnknownMessageType },
    {
      name: 'an update Yjs rejects',
      send: (ws) => ws.send(encodeSyncUpdate(new Uint8Array([200, 1, 5, 9, 9, 9, 9]))),
      code: CloseCode.InvalidUpdate,
    },
    {
      name: 'an undecodable awareness update',
      send: (ws) => ws.send(new Uint8Array([MessageType.Awareness, 2, 5, 1])),
      code: CloseCode.MalformedMessage,
    },
    {
      name: 'a frame with reserved bits set',
      send: (ws) => writeRawFrame(ws, 0x80 | 0x40 | 0x2, new Uint8Array([0, 0, 0])),
      code: CloseCode.ProtocolError,
    },
    { name: 'a frame over MAX_FRAME_BYTES', send: (ws) => ws.send(new Uint8Array(4096)), code: CloseCode.MessageTooBig },
  ]

  for (const testCase of cases) {
    it(`closes on ${testCase.name} with code ${testCase.code}`, async () => {
      const { server, writer } = await seededRoom('victim', 2048)
      const { ws, closed } = await rawSocket(server, 'victim')
      testCase.send(ws)
      expect((await closed).code).toBe(testCase.code)
      // The other client stays connected and keeps working; stored data is untouched.
      writer.text.insert(writer.text.length, '!')
      await expectRoomStillHealthy(server, 'victim', 'precious!')
      expect(writer.provider.wsconnected).toBe(true)
    })
  }

  it('survives a client that resets its TCP connection mid-frame', async () => {
    const { server } = await seededRoom('reset')
    const { ws } = await rawSocket(server, 'reset')
    const socket = (ws as unknown as { _socket: Socket })._socket
    socket.write(Buffer.from([0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4, 9, 9])) // announces 4096 bytes, sends 2
    socket.resetAndDestroy()
    await eventually(async () =>
      expect(((await (await fetch(`${server.url}/api/health`)).json()) as { connections: number }).connections).toBe(1),
    )
    await expectRoomStillHealthy(server, 'reset', 'precious')
  })

  it('refuses bad room names and unknown paths with HTTP errors before upgrading', async () => {
    const server = await startTestServer()
    const answer = async (path: string) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`)
      ws.on('error', () => {})
      return new Promise<{ status: number; body: string }>((resolve) => {
        ws.once('unexpected-response', (_req, res) => {
          let body = ''
          res.on('data', (chunk: Buffer) => (body += chunk.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
      })
    }
    for (const path of ['/collab/has%20space', '/collab/a/b', `/collab/${'x'.repeat(129)}`, '/collab/']) {
      const { status, body } = await answer(path)
      expect(status, path).toBe(400)
      expect(JSON.parse(body).error.code).toBe('invalid_room_name')
    }
    expect((await answer('/elsewhere')).status).toBe(404)
    expect(server.registry.size).toBe(0)
  })

  it('answers a garbage HTTP upgrade without crashing', async () => {
    const server = await startTestServer()
    const socket = createConnection(server.port, '127.0.0.1')
    const response = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (chunk) => (text += chunk.toString()))
      socket.on('close', () => resolve(text))
      socket.on('error', () => resolve(text))
      // An upgrade request without Sec-WebSocket-Key.
      socket.write('GET /collab/ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
    })
    expect(response).toMatch(/^HTTP\/1\.1 400/)
    // The reservation made for the refused handshake is released, so the room can unload.
    await eventually(() => expect(server.registry.get('ok')?.reservations ?? 0).toBe(0))
    const client = await connectClient(server, 'ok')
    client.text.insert(0, 'fine')
    await eventually(async () => expect((await server.store.load('ok'))?.updates.length).toBe(1))
  })

  it('stores nothing from a rejected update, even when it came after good ones', async () => {
    const { server } = await seededRoom('mixed')
    const before = (await server.store.load('mixed'))!.updates.length
    const { ws, closed } = await rawSocket(server, 'mixed')
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'x')
    ws.send(encodeSyncUpdate(new Uint8Array([1, 2, 3])))
    expect((await closed).code).toBe(CloseCode.InvalidUpdate)
    expect((await server.store.load('mixed'))!.updates.length).toBe(before)
  })
})
