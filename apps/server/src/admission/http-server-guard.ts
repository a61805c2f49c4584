/**
 * What keeps the Node HTTP server itself up and fair, below any route:
 * - an `error` listener for the listening socket: `accept` failing (EMFILE when file descriptors run
 *   out) is emitted there, and an unheard 'error' event exits the process;
 * - a `clientError` listener: a malformed request, an oversized header block or a request that took
 *   too long is answered 400/431/408 (when nothing was sent yet) and its socket destroyed;
 * - at most `maxSocketsPerAddress` TCP connections per client address, so one address cannot hold
 *   every file descriptor with idle or slowly-sent requests (slowloris). Further connections are
 *   closed at once. Off behind a trusted proxy, whose address every client shares.
 * The timeouts that end slow requests are options of the server itself ({@link httpServerOptions}).
 */
import type { Server, ServerOptions } from 'node:http'
import type { Socket } from 'node:net'

import type { Logger } from '../logger.js'
import type { RejectionReason } from '../metrics/server-metrics.js'
import { addressKey } from './client-address.js'
import { SlotsPerKey } from './connection-limits.js'

/** Options of {@link guardHttpServer}. */
export interface HttpServerGuardOptions {
  logger: Logger
  /** TCP connections per client address; `null` for no limit. */
  maxSocketsPerAddress: number | null
  /** Count a refusal. */
  onRefused: (reason: RejectionReason) => void
}

/** Idle time of a keep-alive connection between requests (Node's default, stated on purpose). */
const KEEP_ALIVE_TIMEOUT_MS = 5000

/**
 * Node HTTP server options ending slow requests: headers must arrive within `headersTimeoutMs`, the
 * whole request within `requestTimeoutMs`, checked every second (Node's default check is every 30 s,
 * which lets a slowloris socket live half a minute past its timeout).
 */
export function httpServerOptions(timeouts: { headersTimeoutMs: number; requestTimeoutMs: number }): ServerOptions {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeoutMs),
  }
}

/** Answers to requests Node's parser refused, by its error code; anything else is a 400. */
const CLIENT_ERRORS: Record<string, { status: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: '431 Request Header Fields Too Large',
    code: 'headers_too_large',
    message: 'request headers are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: '408 Request Timeout', code: 'request_timeout', message: 'the request took too long to arrive' },
}
const MALFORMED = { status: '400 Bad Request', code: 'bad_request', message: 'malformed HTTP request' }

/**
 * Attach the listeners. Call once the server listens (the caller handles `listen` errors itself).
 * @returns how many sockets an address holds, for tests.
 */
export function guardHttpServer(server: Server, options: HttpServerGuardOptions): { socketsOf(address: string): number } {
  const { logger } = options
  server.on('error', (error) => logger.error({ err: error }, 'the HTTP server failed to accept a connection'))

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    try {
      const code = error.code ?? ''
      if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable || socket.bytesWritten > 0) {
        socket.destroy()
        return
      }
      const answer = CLIENT_ERRORS[code] ?? MALFORMED
      options.onRefused(answer.code === 'request_timeout' ? 'request_timeout' : 'bad_request')
      logger.debug({ err: error, address: socket.remoteAddress }, 'malformed HTTP request')
      const body = JSON.stringify({ error: { code: answer.code, message: answer.message } })
      socket.once('finish', () => socket.destroy())
      socket.end(
        `HTTP/1.1 ${answer.status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    } catch {
      socket.destroy()
    }
  })

  const { maxSocketsPerAddress } = options
  const perAddress = maxSocketsPerAddress === null ? null : new SlotsPerKey(maxSocketsPerAddress)
  if (perAddress) {
    server.on('connection', (socket: Socket) => {
      const address = addressKey(socket.remoteAddress ?? 'unknown')
      const slot = perAddress.take(address)
      if (slot) {
        socket.on('close', slot.release)
        return
      }
      options.onRefused('too_many_sockets')
      logger.debug({ address }, 'closing a TCP connection: too many from this address')
      socket.destroy()
    })
  }
  return { socketsOf: (address) => perAddress?.count(address) ?? 0 }
}
