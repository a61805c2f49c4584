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
  /** Queue one binary frame. The same bytes may be handed to many peers; do not mutate them. */
  send(frame: Uint8Array): void
  /** Close the connection with a code from the protocol's table. */
  close(code: CloseCode, reason: string): void
}
