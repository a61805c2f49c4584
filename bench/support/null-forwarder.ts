/**
 * The floor of the side-by-side bench, run as a process of its own by `floor.ts`: a y-websocket
 * "server" that does no document work at all. It answers a client's sync step 1 with an empty step 2
 * and forwards every other sync and awareness frame, byte for byte, to the other sockets on the same
 * path. It keeps nothing and cannot serve a client that joins late, so it is no server; it is what
 * any server speaking the protocol over `ws` on this machine can at best reach, all of Yjs and all of
 * storage taken away.
 *
 * Environment: `PORT`.
 */
import { createServer } from 'node:http'

import { type WebSocket, WebSocketServer } from 'ws'

const port = Number(process.env.PORT)
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is required')

/** y-websocket's sync message with an empty step 2: message type 0, step 2, an empty update. */
const EMPTY_STEP_2 = Uint8Array.of(0, 1, 2, 0, 0)
const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const SYNC_STEP_1 = 0

const rooms = new Map<string, Set<WebSocket>>()
const server = createServer((_request, response) => response.end('ok'))
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    const path = request.url ?? '/'
    let peers = rooms.get(path)
    if (!peers) rooms.set(path, (peers = new Set()))
    const room = peers
    room.add(ws)
    ws.on('close', () => room.delete(ws))
    ws.on('message', (data: Buffer) => {
      if (data[0] === MESSAGE_SYNC && data[1] === SYNC_STEP_1) ws.send(EMPTY_STEP_2)
      else if (data[0] === MESSAGE_SYNC || data[0] === MESSAGE_AWARENESS) for (const other of room) if (other !== ws) other.send(data)
    })
  })
})
server.listen(port, '127.0.0.1')
