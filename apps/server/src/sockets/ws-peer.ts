/**
 * A `ws` WebSocket with the server's sending rules: frames go out only while open, and a client whose
 * outbound buffer passes the limit (it stopped reading) is disconnected with `SlowConsumer` instead of
 * growing memory or slowing anyone else. Rooms see it as a {@link Peer}.
 */
import { CloseCode, closeCodeName } from '@tandem/protocol'
import { WebSocket } from 'ws'

import type { Identity } from '../auth/identity.js'
import type { Logger } from '../logger.js'
import type { Peer } from '../rooms/peer.js'

/** Close reasons are limited to 123 bytes by RFC 6455. */
const MAX_REASON_BYTES = 123
/** How long a closing socket may take to finish the close handshake before it is cut. */
const CLOSE_GRACE_MS = 5_000

function clampReason(reason: string): string {
  let clamped = reason
  while (Buffer.byteLength(clamped) > MAX_REASON_BYTES) clamped = clamped.slice(0, -1)
  return clamped
}

/** Who and what a connection is, for rooms, logs and the admin console. */
export interface WsPeerInfo {
  id: string
  access: 'read' | 'write'
  identity: Identity
  /** Remote address, when known. */
  address: string | null
}

/** One WebSocket connection. Cuts itself off when the client stops reading. */
export class WsPeer implements Peer {
  #onSlow: (() => void) | null = null
  readonly id: string
  readonly access: 'read' | 'write'
  readonly identity: Identity
  readonly address: string | null
  readonly connectedAt = Date.now()

  readonly #maxBufferedBytes: number
  readonly #logger: Logger
  readonly #traffic: { sent(bytes: number): void } | undefined

  constructor(
    info: WsPeerInfo,
    readonly socket: WebSocket,
    maxBufferedBytes: number,
    logger: Logger,
    traffic?: { sent(bytes: number): void },
  ) {
    this.#maxBufferedBytes = maxBufferedBytes
    this.#logger = logger
    this.#traffic = traffic
    this.id = info.id
    this.access = info.access
    this.identity = info.identity
    this.address = info.address
  }

  /** False once closing or closed, including after {@link close} was called. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Whether a frame would be queued now; cuts the client off if its buffer is over the limit. */
  readyToSend(): boolean {
    return this.#mayQueue()
  }

  /** Queue one binary frame. */
  send(frame: Uint8Array): void {
    if (!this.#mayQueue()) return
    this.socket.send(frame, { binary: true })
    this.#traffic?.sent(frame.byteLength)
  }

  /** Queue one text frame. */
  sendText(text: string): void {
    if (!this.#mayQueue()) return
    this.socket.send(text)
    this.#traffic?.sent(Buffer.byteLength(text))
  }

  /** Run `callback` (once) if this peer gets cut off as a slow consumer. */
  onSlowConsumer(callback: () => void): void {
    const previous = this.#onSlow
    this.#onSlow = () => {
      previous?.()
      callback()
    }
  }

  #mayQueue(): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false
    if (this.socket.bufferedAmount <= this.#maxBufferedBytes) return true
    this.#logger.warn({ conn: this.id, buffered: this.socket.bufferedAmount }, 'client is not reading; disconnecting it')
    this.close(CloseCode.SlowConsumer, 'outbound buffer limit exceeded')
    this.#onSlow?.()
    this.#onSlow = null
    return false
  }

  close(code: CloseCode, reason: string): void {
    const state = this.socket.readyState
    if (state === WebSocket.CLOSED) return
    if (state !== WebSocket.CLOSING) this.socket.close(code, clampReason(reason))
    // A client that never answers the close frame (or never reads) must not hold the socket open.
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref()
    this.#logger.debug({ conn: this.id, code: closeCodeName(code), reason }, 'closing connection')
  }
}
