/** Answer a WebSocket upgrade request with an HTTP error instead of switching protocols. */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * A refused client that neither reads its answer nor closes would keep its socket (and its file
 * descriptor) forever: HTTP timeouts no longer apply once a request is handed to `upgrade`.
 */
const LINGER_MS = 5000

/**
 * Write `status` with the same JSON error body the HTTP API uses, then close the socket once it is
 * flushed (as `ws` does for handshakes it refuses). Never throws.
 * @example
 * rejectUpgrade(socket, 400, 'invalid_room_name', 'room name is empty')
 */
export function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return
  const body = JSON.stringify({ error: { code, message } })
  try {
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref()
    socket.once('close', () => clearTimeout(linger))
    socket.once('finish', () => socket.destroy())
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    )
  } catch {
    socket.destroy()
  }
}
