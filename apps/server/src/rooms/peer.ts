/** One client connection as a room sees it, independent of the transport. */
import type { CloseCode } from '@tandem/protocol'

import type { Identity } from '../auth/identity.js'

/** A connected client. `send` must not throw; a transport that cannot send closes instead. */
export interface Peer {
  /** Unique per connection, for logs. */
  readonly id: string
  /** `read`: document updates from this peer are dropped, never applied, stored or relayed. */
  readonly access: 'read' | 'write'
  /** Who is connected (anonymous in open mode). */
  readonly identity: Identity
  /** Remote address, when the transport knows it. */
  readonly address?: string | null
  /** When the connection opened, milliseconds since the epoch. */
  readonly connectedAt?: number
  /** False once the connection is closing or closed: its frames are no longer handled. */
  readonly open: boolean
  /**
   * Whether a frame sent now would go out: the connection is open and has room in its outbound
   * buffer. A transport over its limit cuts the client off as a slow consumer and answers false.
   * Lets a room skip expensive work (encoding a sync answer) nobody would receive.
   */
  readyToSend(): boolean
  /** Queue one binary frame. The same bytes may be handed to many peers; do not mutate them. */
  send(frame: Uint8Array): void
  /** Close the connection with a code from the protocol's table. */
  close(code: CloseCode, reason: string): void
}

/**
 * Whether a Yjs transaction origin is a connection (an edit that came in through it) rather than the
 * server itself or another node of a cluster.
 */
export function isPeer(origin: unknown): origin is Peer {
  return typeof origin === 'object' && origin !== null && 'identity' in origin && 'send' in origin
}
