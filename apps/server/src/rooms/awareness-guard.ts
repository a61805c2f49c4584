/**
 * Filters an awareness update before it is applied: a connection may only set or clear the awareness
 * client ids it introduced (ids already owned by another connection are dropped, so nobody can move
 * or erase someone else's cursor); in secure mode the server stamps `user.name`/`user.color` from the
 * token so nobody can pose as someone else; entries per message and state size are capped.
 * The wire format is y-protocols': var-uint count, then per entry client id, clock, JSON state.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Rules for one connection's awareness updates. */
export interface AwarenessRules {
  /** Whether `clientId` belongs to another connection of the room, given the entry's `clock`. */
  ownedByOther(clientId: number, clock: number): boolean
  /** Name and colour to impose on `state.user`, or `null` to leave states as sent. */
  stamp: { name: string; color: string | null } | null
  maxEntries: number
  maxStateBytes: number
}

/** The filtered update (or `null` if nothing is left) and how many entries were dropped. */
export interface GuardedAwareness {
  update: Uint8Array | null
  dropped: number
}

/**
 * Apply `rules` to `update`.
 * @throws when the update is not decodable (the caller closes the connection as malformed).
 */
export function guardAwarenessUpdate(update: Uint8Array, rules: AwarenessRules): GuardedAwareness {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const kept: Array<{ clientId: number; clock: number; json: string }> = []
  let dropped = 0
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    let json = decoding.readVarString(decoder)
    if (kept.length >= rules.maxEntries || rules.ownedByOther(clientId, clock) || json.length > rules.maxStateBytes) {
      dropped++
      continue
    }
    if (rules.stamp && json !== 'null') json = stampUser(json, rules.stamp)
    kept.push({ clientId, clock, json })
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness update')
  if (kept.length === 0) return { update: null, dropped }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.json)
  }
  return { update: encoding.toUint8Array(encoder), dropped }
}

function stampUser(json: string, stamp: { name: string; color: string | null }): string {
  let state: unknown
  try {
    state = JSON.parse(json)
  } catch {
    throw new Error('awareness state is not JSON')
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return json
  const record = state as Record<string, unknown>
  const user = typeof record.user === 'object' && record.user !== null ? (record.user as Record<string, unknown>) : {}
  return JSON.stringify({ ...record, user: { ...user, name: stamp.name, ...(stamp.color ? { color: stamp.color } : {}) } })
}
