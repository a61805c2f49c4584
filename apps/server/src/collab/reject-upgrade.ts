/** Answer a WebSocket upgrade request with an HTTP error instead of switching protocols. */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * Write `status` with the same JSON error body the HTTP API uses, then close the socket.
 * @example
 * rejectUpgrade(socket, 400, 'invalid_room_name', 'room name is empty')
 */
export function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return
  const body = JSON.stringify({ error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}
