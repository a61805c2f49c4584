/**
 * Filters an awareness update before it is applied. The wire format is y-protocols': var-uint count,
 * then per entry client id, clock and JSON state (a lib0 var-string, so its length prefix is the
 * state's size in UTF-8 bytes, checked before anything is decoded).
 *
 * - A connection may only set or clear the client ids it introduced: a newer entry for an id another
 *   connection owns is refused, so nobody can move or erase someone else's cursor.
 * - Entries y-protocols would ignore anyway (a clock not newer than the room's; a removal of an id
 *   that is not present) are dropped silently: stock clients echo every change they receive back to
 *   the server, so these are normal traffic, and dropping them keeps the room's awareness `meta` from
 *   recording ids nobody uses.
 * - States must be JSON objects at most `maxStateBytes` long and {@link MAX_STATE_DEPTH} deep (deeper
 *   values would make `JSON.stringify` throw when the room re-encodes them for the next joiner).
 * - `user` is normalized to the shape clients render: `name` and `color` strings with length caps, a
 *   colour that cannot escape a CSS declaration; anything else in those places is removed. In secure
 *   mode the server stamps `id` (the token subject), `name` and `color` from the token so nobody can pose
 *   as someone else (the comment mention picker offers people by that id).
 * - New ids count against caps: a connection going over its own cap is reported (the caller closes
 *   it: stock clients use one id); ids past the room's cap are left out, not held against the
 *   connection, so whoever fills a room's presence cannot lock editors out of the room.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Longest `user.name` kept, in UTF-16 units; longer names are cut. */
export const MAX_USER_NAME_LENGTH = 80
/** Longest `user.color` kept; longer colours are removed. */
export const MAX_USER_COLOR_LENGTH = 32
/** Deepest nesting of an awareness state (y-prosemirror cursors need about 5). */
export const MAX_STATE_DEPTH = 16

/** `#rgb` to `#rrggbbaa`, a colour keyword, or an `rgb()`/`hsl()` call: nothing that ends a CSS declaration. */
const SAFE_COLOR = /^(?:#[0-9a-f]{3,8}|[a-z]{3,24}|(?:rgba?|hsla?)\([0-9.,%\s/+-]{1,40}\))$/i

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** What the guard needs to know about the room and the connection sending the update. */
export interface AwarenessRules {
  /** The newest clock the room has seen for `clientId`, if any (y-protocols' `meta`). */
  knownClock(clientId: number): number | undefined
  /** Whether the room currently holds a state for `clientId`. */
  present(clientId: number): boolean
  /** Whether `clientId` belongs to another connection of the room, given the entry's `clock`. */
  ownedByOther(clientId: number, clock: number): boolean
  /** Ids this connection introduced so far. */
  owned: ReadonlySet<number>
  /** Ids owned by all connections of the room right now. */
  roomIdCount(): number
  /**
   * Ids the room holds for connections from this connection's client address, or `null` when the
   * address is unknown. One address may hold at most a quarter of the room's ids, so a crowd of
   * sockets from one machine cannot fill everyone else's presence.
   */
  addressIdCount(): number | null
  /** Name and colour to impose on `state.user`, or `null` to leave them as sent (normalized). */
  stamp: { id: string; name: string; color: string | null } | null
  maxEntries: number
  maxStateBytes: number
  maxIdsPerConnection: number
  maxIdsPerRoom: number
}

/** The filtered update and what was refused. */
export interface GuardedAwareness {
  /** The update to apply, or `null` if nothing is left. */
  update: Uint8Array | null
  /** Entries refused (not counting echoes and no-ops): someone else's id, too big, not an object... */
  dropped: number
  /** Entries skipped as echoes or no-ops (not newer than what the room has, removals of absent ids). */
  ignored: number
  /** New ids left out because the room holds its maximum. */
  crowdedOut: number
  /** Set when the update would give the connection more ids than it may have; nothing of it may be applied. */
  overLimit: 'connection' | null
}

/**
 * Apply `rules` to `update`.
 * @throws when the update is not decodable (the caller closes the connection as malformed).
 */
export function guardAwarenessUpdate(update: Uint8Array, rules: AwarenessRules): GuardedAwareness {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const kept: Array<{ clientId: number; clock: number; json: string }> = []
  const introduced = new Set<number>()
  let dropped = 0
  let ignored = 0
  let crowdedOut = 0
  /** Whether every entry so far is kept exactly as sent (then the update itself is what to apply). */
  let asSent = true
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const bytes = decoding.readVarUint(decoder)
    if (bytes > update.length - decoder.pos) throw new Error('awareness state runs past the end of the update')
    const state = decoding.readUint8Array(decoder, bytes)
    const known = rules.knownClock(clientId)
    const removal = isNull(state)
    // Exactly the entries y-protocols would skip (older clocks, or the same clock unless it removes a
    // present state), found before anything is decoded: echoes are most of the awareness traffic.
    if (known !== undefined && (clock < known || (clock === known && !(removal && rules.present(clientId))))) {
      ignored++
      continue
    }
    if (bytes > rules.maxStateBytes || kept.length >= rules.maxEntries || rules.ownedByOther(clientId, clock)) {
      dropped++
      continue
    }
    if (removal) {
      if (rules.present(clientId)) kept.push({ clientId, clock, json: 'null' })
      else ignored++
      continue
    }
    const json = utf8.decode(state)
    const normalized = normalizeState(json, rules.stamp)
    if (normalized !== json) asSent = false
    if (normalized === null) {
      dropped++
      continue
    }
    if (!rules.owned.has(clientId) && !introduced.has(clientId)) {
      if (rules.owned.size + introduced.size >= rules.maxIdsPerConnection)
        return { update: null, dropped, ignored, crowdedOut, overLimit: 'connection' }
      const fromAddress = rules.addressIdCount()
      const roomFull = rules.roomIdCount() + introduced.size >= rules.maxIdsPerRoom
      const addressFull =
        fromAddress !== null && fromAddress + introduced.size >= Math.max(rules.maxIdsPerConnection, Math.floor(rules.maxIdsPerRoom / 4))
      if (roomFull || addressFull) {
        crowdedOut++
        continue
      }
      introduced.add(clientId)
    }
    kept.push({ clientId, clock, json: normalized })
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness update')
  if (kept.length === 0) return { update: null, dropped, ignored, crowdedOut, overLimit: null }
  if (asSent && kept.length === count) return { update, dropped, ignored, crowdedOut, overLimit: null }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.json)
  }
  return { update: encoding.toUint8Array(encoder), dropped, ignored, crowdedOut, overLimit: null }
}

const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c] // "null"

function isNull(state: Uint8Array): boolean {
  return state.length === 4 && NULL_BYTES.every((byte, i) => state[i] === byte)
}

/**
 * The state to store for `json`, or `null` when it must be refused (not an object, too deep).
 * @throws when `json` is not JSON.
 */
function normalizeState(json: string, stamp: AwarenessRules['stamp']): string | null {
  let state: unknown
  try {
    state = JSON.parse(json)
  } catch {
    throw new Error('awareness state is not JSON')
  }
  if (!isPlainObject(state) || depthOf(state) > MAX_STATE_DEPTH) return null
  if (!stamp && (!('user' in state) || isNormalUser(state.user))) return json
  const user = normalizeUser(state.user)
  if (stamp) {
    user.id = stamp.id
    user.name = stamp.name
    if (stamp.color) user.color = stamp.color
  }
  const { user: _sent, ...rest } = state
  return JSON.stringify(Object.keys(user).length > 0 || stamp ? { ...rest, user } : rest)
}

/** `user` with a capped string `name` and a safe string `color`; other fields kept as sent. */
function normalizeUser(sent: unknown): Record<string, unknown> {
  if (!isPlainObject(sent)) return {}
  const { name, color, ...rest } = sent
  const user: Record<string, unknown> = { ...rest }
  if (typeof name === 'string') user.name = cutName(name)
  if (typeof color === 'string' && color.length <= MAX_USER_COLOR_LENGTH && SAFE_COLOR.test(color)) user.color = color
  return user
}

/** Whether `user` would come out of {@link normalizeUser} unchanged (the common case: no re-encoding). */
function isNormalUser(user: unknown): boolean {
  if (!isPlainObject(user)) return false
  const { name, color } = user
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_USER_NAME_LENGTH)) return false
  return color === undefined || (typeof color === 'string' && color.length <= MAX_USER_COLOR_LENGTH && SAFE_COLOR.test(color))
}

function cutName(name: string): string {
  if (name.length <= MAX_USER_NAME_LENGTH) return name
  const cut = name.slice(0, MAX_USER_NAME_LENGTH)
  // Never end on half of a surrogate pair.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Nesting depth of a parsed JSON value, walked without recursion so no input can overflow the stack. */
function depthOf(value: unknown): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== 'object' || current === null) continue
    if (depth > deepest) deepest = depth
    if (depth > MAX_STATE_DEPTH) return depth
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}
