/** A {@link Peer} backed by a `ws` WebSocket. */
import { CloseCode, closeCodeName } from '@tandem/protocol'
import { WebSocket } from 'ws'
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

/** One WebSocket connection. Cuts itself off when the client stops reading. */
export class WsPeer implements Peer {
  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
  ) {}

  send(frame: Uint8Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) return
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.logger.warn({ conn: this.id, buffered: this.socket.bufferedAmount }, 'client is not reading; disconnecting it')
      this.close(CloseCode.SlowConsumer, 'outbound buffer limit exceeded')
      return
    }
    this.socket.send(frame, { binary: true })
  }

  close(code: CloseCode, reason: string): void {
    const state = this.socket.readyState
    if (state === WebSocket.CLOSED) return
    if (state !== WebSocket.CLOSING) this.socket.close(code, clampReason(reason))
    // A client that never answers the close frame (or never reads) must not hold the socket open.
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref()
    this.logger.debug({ conn: this.id, code: closeCodeName(code), reason }, 'closing connection')
  }
}
