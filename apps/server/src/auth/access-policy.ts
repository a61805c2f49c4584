/**
 * Every "who may do what" decision of the server, in one place. Open mode (no `AUTH_SECRET`):
 * everyone is anonymous, may edit every room and subscribe to any channel except `user:<id>` ones.
 * Secure mode: a valid token is required; rooms and channels are allowed by the token's grants and,
 * when `AUTH_WEBHOOK_URL` is set, also by the application's answer. `user:<id>` channels are only ever
 * open to that user; `broadcast` to every authenticated user; `room:<name>` to whoever may read it.
 */
import { ANONYMOUS, type Identity, type RoomAccess, type UserIdentity } from './identity.js'
import { channelGranted, roomAccessFromGrants } from './grants.js'
import { TokenError, verifyToken } from './tokens.js'
import type { WebhookAuthorizer } from './webhook-authorizer.js'

/** Options of an {@link AccessPolicy}. */
export interface AccessPolicyOptions {
  /** `null` for open mode. */
  secret: string | null
  webhook: WebhookAuthorizer | null
}

const USER_CHANNEL = /^user:(.*)$/
const ROOM_CHANNEL = /^room:([A-Za-z0-9._-]{1,128})$/

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

  /** Whether `identity` may subscribe to channel or pattern `channel`. */
  async maySubscribe(identity: Identity, channel: string): Promise<boolean> {
    const user = USER_CHANNEL.exec(channel)
    if (user) return identity.kind === 'user' && user[1] === identity.id
    if (identity.kind === 'anonymous') return !this.secure
    if (channel === 'broadcast') return true
    const room = ROOM_CHANNEL.exec(channel)
    if (room) return (await this.roomAccess(identity, room[1]!)) !== null
    return this.#channelByGrantsAndWebhook(identity, channel)
  }

  async #channelByGrantsAndWebhook(identity: UserIdentity, channel: string): Promise<boolean> {
    const granted = identity.channels ? channelGranted(identity.channels, channel) : this.#webhook !== null
    if (!granted) return false
    return this.#webhook ? this.#webhook.allows(identity, { action: 'subscribe', channel }) : true
  }
}
