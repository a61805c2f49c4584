/**
 * The notification peer, run as a process of its own by `notify-peers.ts`: the classic push setup of
 * a socket.io 4 server where a backend POSTs a message and the server broadcasts it to a room. Clients
 * join a room with a `join` event (acknowledged); `POST /publish` with `{ "room", "data" }` emits
 * `message` to that room and answers 204 once handed to the sockets. Nothing is stored: it is the
 * baseline for delivery speed, not a peer on durability.
 *
 * Environment: `PORT`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

import { Server } from 'socket.io'

const port = Number(process.env.PORT)
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is required')

/** The whole body of `request` (bounded: a benchmark's messages are small). */
async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of request) {
    body += (chunk as Buffer).toString('utf8')
    if (body.length > 1_000_000) throw new Error('body too large')
  }
  return body
}

function answer(response: ServerResponse, status: number, text = ''): void {
  response.writeHead(status, { 'content-type': 'text/plain' }).end(text)
}

const http = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/') return answer(response, 200, 'socket.io peer')
  if (request.method !== 'POST' || request.url !== '/publish') return answer(response, 404)
  bodyOf(request).then(
    (body) => {
      const { room, data } = JSON.parse(body) as { room: string; data: unknown }
      io.to(room).emit('message', data)
      answer(response, 204)
    },
    () => answer(response, 400),
  )
})
const io = new Server(http, { transports: ['websocket'], serveClient: false })
io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string' || typeof ack !== 'function') return
    void socket.join(room)
    ;(ack as () => void)()
  })
})
http.listen(port, '127.0.0.1')
process.once('SIGTERM', () => {
  void io.close()
  http.close(() => process.exit(0))
})
