/**
 * Refusals a browser can read. A browser's `WebSocket` never shows the HTTP status of a failed
 * upgrade: a 401, a 403 and a dropped network all look like close 1006. So a document connection
 * refused for who is asking (not signed in, token expired, no access to the room, over a rate
 * limit) is accepted and closed at once with the matching close code from `@tandem/protocol`, and
 * the editor can say which it was. A link to a deleted document is closed with `RoomDeleted` the same way. Refusals about the request itself (bad path, wrong host or
 * origin) stay HTTP answers: no page of ours made them, and a handshake is not owed to them.
 *
 * A refused client may not answer the close frame; each refused socket is cut after
 * {@link LINGER_MS} whatever it does, and at most `maxInFlight` are being refused this way at once
 * (a flood of refusals past that gets the plain HTTP answer, which costs nothing to hold).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { CloseCode } from '@tandem/protocol'
import { WebSocketServer } from 'ws'

import type { AdmissionError } from '../auth/upgrade-guard.js'
import { rejectUpgrade } from './reject-upgrade.js'

/** How long a refused socket may stay open for the client to answer the close frame. */
const LINGER_MS = 2000

/** A close reason is at most 123 bytes (RFC 6455 §5.5: control frames carry at most 125). */
const MAX_REASON_BYTES = 123

/**
 * The close code a browser should see for an admission refusal, or `null` for refusals that stay
 * HTTP answers.
 */
export function refusalCloseCode(error: AdmissionError): CloseCode | null {
  switch (error.code) {
    case 'unauthorized':
      return CloseCode.Unauthorized
    case 'token_expired':
      return CloseCode.TokenExpired
    case 'forbidden':
      return CloseCode.Forbidden
    case 'room_deleted':
      return CloseCode.RoomDeleted
    case 'too_many_rooms':
      return CloseCode.ServerFull
    case 'too_many_connections':
    case 'server_busy':
    case 'too_many_new_rooms':
      return CloseCode.RateLimited
    default:
      return null
  }
}

/** `reason` cut to what fits a close frame, on a character boundary. */
function closeReason(reason: string): string {
  let text = reason
  while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1)
  return text
}

/** Accepts refused upgrades only to close them with a code. */
export class CloseRefusal {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 125, perMessageDeflate: false, clientTracking: false })
  readonly #maxInFlight: number
  #inFlight = 0

  constructor(options: { maxInFlight: number }) {
    this.#maxInFlight = options.maxInFlight
  }

  /** Refused sockets not yet closed. */
  get inFlight(): number {
    return this.#inFlight
  }

  /**
   * Refuse `socket`'s upgrade: with a WebSocket closed by `code` when a slot is free, with the HTTP
   * answer `error` names otherwise. The socket must be paused with any early bytes put back (as
   * `ws` expects). Never throws.
   */
  refuse(request: IncomingMessage, socket: Duplex, head: Buffer, error: AdmissionError, code: CloseCode): void {
    if (socket.destroyed) return
    if (this.#inFlight >= this.#maxInFlight) {
      rejectUpgrade(socket, error.status, error.code, error.message)
      return
    }
    this.#inFlight++
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref()
    socket.once('close', () => {
      clearTimeout(linger)
      this.#inFlight--
    })
    try {
      // `ws` answers a malformed handshake with HTTP 400 itself and never calls back.
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => {})
        ws.close(code, closeReason(error.message))
      })
      socket.resume()
    } catch {
      socket.destroy()
    }
  }
}
