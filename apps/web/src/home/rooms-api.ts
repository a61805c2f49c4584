/**
 * The server's room directory (`GET /api/rooms`), read defensively: the home page renders whatever
 * comes back, so anything malformed is dropped here rather than shown as "undefined".
 */
import { isValidRoomName } from '@tandem/protocol'

import type { Identity } from '../identity/identity.js'
import { FALLBACK_COLOR, isHexColor } from '../identity/palette.js'
import { bearerHeaders } from '../session/access-token.js'
import { readApiError } from '../shell/api-error.js'

/** A document in the directory as the home page shows it. */
export interface RoomListing {
  name: string
  /** Last edit or join, ms since the epoch. */
  lastActivity: number
  connections: number
  /** People in it now (the server lists at most 50). */
  users: Identity[]
  /** How many people are in it now, listed or not. */
  userCount: number
}

/** Keep the well-formed rooms of a `GET /api/rooms` response body. */
export function parseRoomList(body: unknown): RoomListing[] {
  const rooms = (body as { rooms?: unknown } | null)?.rooms
  if (!Array.isArray(rooms)) throw new Error('the room list response has no "rooms" array')
  const listings: RoomListing[] = []
  for (const room of rooms as Record<string, unknown>[]) {
    if (typeof room !== 'object' || room === null) continue
    if (typeof room.name !== 'string' || !isValidRoomName(room.name)) continue
    const users = (Array.isArray(room.users) ? (room.users as Record<string, unknown>[]) : [])
      .filter((user) => typeof user?.name === 'string' && user.name.trim() !== '')
      .map((user) => ({ name: String(user.name).trim(), color: isHexColor(user.color) ? user.color : FALLBACK_COLOR }))
    listings.push({
      name: room.name,
      lastActivity: typeof room.lastActivity === 'number' ? room.lastActivity : 0,
      connections: typeof room.connections === 'number' ? room.connections : 0,
      users,
      userCount:
        typeof room.userCount === 'number' && Number.isSafeInteger(room.userCount) ? Math.max(room.userCount, users.length) : users.length,
    })
  }
  return listings
}

/**
 * Fetch the most recently active rooms that `token` may read (all of them in open mode, `token` null).
 * @throws when the server cannot be reached within `timeoutMs`, answers an error, or sends garbage.
 */
export async function fetchRooms(limit: number, token: string | null, timeoutMs = 5_000): Promise<RoomListing[]> {
  const response = await fetch(`/api/rooms?limit=${limit}`, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json', ...bearerHeaders(token) },
  })
  if (!response.ok) throw new Error(`the server answered ${response.status}`)
  return parseRoomList(await response.json())
}

/** What creating a document came to. */
export type CreateOutcome = 'created' | 'exists'

/**
 * Create document `name` (`POST /api/rooms`): the server stores it at once, so it exists and is
 * listed until deleted. `'exists'` when the name is taken.
 * @throws with the server's own explanation (or a plain one) when it is refused or unreachable.
 */
export async function createRoom(name: string, token: string | null, timeoutMs = 10_000): Promise<CreateOutcome> {
  let response: Response
  try {
    response = await fetch('/api/rooms', {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', accept: 'application/json', ...bearerHeaders(token) },
      body: JSON.stringify({ name }),
    })
  } catch {
    throw new Error('Cannot reach the server right now; try again in a moment')
  }
  if (response.status === 201) return 'created'
  if (response.status === 409) return 'exists'
  throw new Error(await refusal(response))
}

/** A person-readable reason for a refused request: the server's message when it sent one. */
async function refusal(response: Response): Promise<string> {
  const { message } = await readApiError(response)
  return `Could not create the document: ${message ?? `the server answered ${response.status}`}`
}
