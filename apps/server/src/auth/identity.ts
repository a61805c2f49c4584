/** Who is on the other end of a request or connection, as established by `auth/`. */

/** Access to a room: edit, look only, or none. */
export type RoomAccess = 'write' | 'read' | null

/** Room grants of a token: room-name pattern (`*` matches any run of name characters) to access. */
export type RoomGrants = Record<string, 'read' | 'write'>

/** A verified person. Claims come from a token whose signature, algorithm and expiry were checked. */
export interface UserIdentity {
  kind: 'user'
  /** Stable user id (`sub`). */
  id: string
  name: string
  color: string | null
  /** Room grants, or `null` when the token has none (then only the webhook can grant). */
  rooms: RoomGrants | null
  /** Channel subscribe patterns, or `null` when the token has none. */
  channels: string[] | null
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number
}

/** Open mode: nobody is identified and everyone may edit. */
export interface AnonymousIdentity {
  kind: 'anonymous'
}

/** The result of authentication. */
export type Identity = UserIdentity | AnonymousIdentity

/** The identity of every open-mode caller. */
export const ANONYMOUS: AnonymousIdentity = { kind: 'anonymous' }

/** A short label for logs and the admin console. */
export function identityLabel(identity: Identity): string {
  return identity.kind === 'user' ? `${identity.name} (${identity.id})` : 'anonymous'
}
