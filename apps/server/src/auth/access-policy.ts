/**
 * Every "who may do what" decision of the server, in one place. Open mode (no `AUTH_SECRET`):
 * everyone is anonymous, may edit every room and subscribe to any channel except `user:<id>` ones.
 * Secure mode: a valid token is required; rooms and channels are allowed by the token's grants and,
 * when `AUTH_WEBHOOK_URL` is set, also by the application's answer. `user:<id>` channels are only ever
 * open to that user; `broadcast` to every authenticated user; `room:<name>` to whoever may read it.
 *
 * Private namespaces (`user:`, `room:`) are judged by those rules alone: no channel grant and no
 * webhook answer opens them. A wildcard that reaches into one (`u*`, `room*`, `room:*`) is allowed or
 * refused for the rest of what it matches; the transports then deliver a private channel it matches
 * only after {@link AccessPolicy.maySubscribe} said yes for that exact channel (see `ChannelSession`).
 */
import { isValidRoomName } from '@tandem/protocol'

import { channelGranted, roomAccessFromGrants } from './grants.js'
import { ANONYMOUS, type Identity, type RoomAccess, type UserIdentity } from './identity.js'
import { TokenError, verifyToken } from './tokens.js'
import type { WebhookAuthorizer } from './webhook-authorizer.js'

/** Options of an {@link AccessPolicy}. */
export interface AccessPolicyOptions {
  /** `null` for open mode. */
  secret: string | null
  webhook: WebhookAuthorizer | null
}

const USER_PREFIX = 'user:'
const ROOM_PREFIX = 'room:'

/** Authentication and authorization decisions. */
export class AccessPolicy {
  readonly #secret: string | null
  readonly #webhook: WebhookAuthorizer | null

  constructor(options: AccessPolicyOptions) {
    this.#secret = options.secret
    this.#webhook = options.webhook
  }

  /** Whether tokens are required. */
  get secure(): boolean {
    return this.#secret !== null
  }

  /**
   * Who presents `token`. In open mode everyone is anonymous (a token is ignored).
   * @throws {TokenError} in secure mode when the token is missing or invalid.
   */
  async authenticate(token: string | null): Promise<Identity> {
    if (this.#secret === null) return ANONYMOUS
    if (!token) throw new TokenError('missing', 'a token is required: pass ?token=<jwt> or Authorization: Bearer <jwt>')
    return verifyToken(token, this.#secret)
  }

  /** How `identity` may use `room`. */
  async roomAccess(identity: Identity, room: string): Promise<RoomAccess> {
    if (identity.kind === 'anonymous') return this.secure ? null : 'write'
    const granted = identity.rooms ? roomAccessFromGrants(identity.rooms, room) : this.#webhook ? 'write' : null
    if (granted === null || !this.#webhook) return granted
    if (granted === 'write' && (await this.#webhook.allows(identity, { action: 'write', room }))) return 'write'
    return (await this.#webhook.allows(identity, { action: 'read', room })) ? 'read' : null
  }

  /**
   * Whether `identity` may subscribe to `channel`: a channel name, or a `prefix*` pattern. For a
   * pattern, the answer covers the channels it matches outside the private namespaces; private ones
   * must still be checked one by one, by exact name, before anything of theirs is delivered.
   */
  async maySubscribe(identity: Identity, channel: string): Promise<boolean> {
    if (identity.kind === 'anonymous' && this.secure) return false
    return channel.endsWith('*') ? this.#mayFollow(identity, channel.slice(0, -1)) : this.#mayRead(identity, channel)
  }

  /** One concrete channel. */
  async #mayRead(identity: Identity, channel: string): Promise<boolean> {
    if (channel.startsWith(USER_PREFIX)) return identity.kind === 'user' && channel.slice(USER_PREFIX.length) === identity.id
    if (channel.startsWith(ROOM_PREFIX)) {
      const room = channel.slice(ROOM_PREFIX.length)
      // No room can have this name, so no room access can open it: public only where every room is.
      if (!isValidRoomName(room)) return !this.secure
      return (await this.roomAccess(identity, room)) !== null
    }
    if (identity.kind === 'anonymous') return true
    if (channel === 'broadcast') return true
    return this.#channelByGrantsAndWebhook(identity, channel)
  }

  /** Every channel starting with `prefix` (possibly empty, for a `*` grant or a future pattern). */
  async #mayFollow(identity: Identity, prefix: string): Promise<boolean> {
    // Matches nothing but user channels, and a user may read only one of them: name it exactly.
    if (prefix.startsWith(USER_PREFIX)) return false
    // Matches only room channels; each is delivered after its own room-access check.
    if (prefix.startsWith(ROOM_PREFIX)) return true
    if (identity.kind === 'anonymous') return true
    return this.#channelByGrantsAndWebhook(identity, `${prefix}*`)
  }

  async #channelByGrantsAndWebhook(identity: UserIdentity, channel: string): Promise<boolean> {
    const granted = identity.channels ? channelGranted(identity.channels, channel) : this.#webhook !== null
    if (!granted) return false
    return this.#webhook ? this.#webhook.allows(identity, { action: 'subscribe', channel }) : true
  }
}
