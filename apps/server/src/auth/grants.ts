/**
 * Matching token grants against rooms and channels. A grant pattern may contain `*`, matching any run
 * of characters; a subscription pattern (`room:*`) is allowed only by a grant that covers every
 * channel it could match.
 */
import type { RoomAccess, RoomGrants } from './identity.js'

function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`)
}

/** The best access `grants` give to `room`: write beats read beats none. */
export function roomAccessFromGrants(grants: RoomGrants, room: string): RoomAccess {
  let best: RoomAccess = null
  for (const [pattern, access] of Object.entries(grants)) {
    if (!globToRegExp(pattern).test(room)) continue
    if (access === 'write') return 'write'
    best = 'read'
  }
  return best
}

/**
 * Whether grant `grant` covers subscription `requested`. An exact channel is covered by any grant
 * that matches it; `prefix*` is covered only by a grant `P*` (with no other `*`) where `prefix`
 * starts with `P`.
 */
export function grantCovers(grant: string, requested: string): boolean {
  if (!requested.endsWith('*')) return globToRegExp(grant).test(requested)
  if (!grant.endsWith('*') || grant.slice(0, -1).includes('*')) return false
  return requested.slice(0, -1).startsWith(grant.slice(0, -1))
}

/** Whether any of `grants` covers `requested`. */
export function channelGranted(grants: readonly string[], requested: string): boolean {
  return grants.some((grant) => grantCovers(grant, requested))
}
