/**
 * The server's room directory (`GET /api/rooms`), read with the schema the server declares it with
 * (`@tandem/protocol`): the home page renders whatever comes back, so a room that does not match is
 * left out rather than shown as "undefined", and odd colours become the fallback.
 */
import { type ImportContent, type RoomSummary, roomSummarySchema } from '@tandem/protocol'

import { identitiesOf, type Identity } from '../identity/identity.js'
import { bearerHeaders } from '../session/access-token.js'
import { readApiError } from '../shell/api-error.js'

/** A document in the directory as the home page shows it. */
export type RoomListing = Pick<RoomSummary, 'name' | 'title' | 'lastActivity' | 'connections' | 'userCount'> & {
  /** People in it now (the server lists at most 50); `userCount` counts them all. */
  users: Identity[]
  /** For a search: the text around the first match, matched words between « and ». */
  snippet?: string
}

/** Keep the rooms of a `GET /api/rooms` response body that match the schema. */
export function parseRoomList(body: unknown): RoomListing[] {
  const rooms = (body as { rooms?: unknown } | null)?.rooms
  if (!Array.isArray(rooms)) throw new Error('the room list response has no "rooms" array')
  return rooms.flatMap((room) => {
    // A server from before titles sends none: the name stands in.
    const parsed = roomSummarySchema.safeParse(typeof room === 'object' && room !== null ? { title: '', ...room } : room)
    if (!parsed.success) return []
    const { name, title, lastActivity, connections, users, userCount } = parsed.data
    const snippet = (room as { snippet?: unknown }).snippet
    return [
      {
        name,
        title,
        lastActivity,
        connections,
        users: identitiesOf(users),
        userCount: Math.max(userCount, users.length),
        ...(typeof snippet === 'string' ? { snippet: snippet.slice(0, 400) } : {}),
      },
    ]
  })
}

/**
 * Fetch the most recently active rooms that `token` may read (all of them in open mode, `token` null).
 * @throws when the server cannot be reached within `timeoutMs`, answers an error, or sends garbage.
 */
export async function fetchRooms(
  limit: number,
  token: string | null,
  options: { query?: string; sort?: 'activity' | 'name' } = {},
  timeoutMs = 5_000,
): Promise<RoomListing[]> {
  const params = new URLSearchParams({ limit: String(limit), sort: options.sort ?? 'activity' })
  if (options.query?.trim()) params.set('q', options.query.trim().slice(0, 200))
  const response = await fetch(`/api/rooms?${params}`, {
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
 * listed until deleted, empty or made from imported `content`. `'exists'` when the name is taken.
 * @throws with the server's own explanation (or a plain one) when it is refused or unreachable.
 */
export async function createRoom(name: string, token: string | null, content?: ImportContent, timeoutMs = 30_000): Promise<CreateOutcome> {
  let response: Response
  try {
    response = await fetch('/api/rooms', {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', accept: 'application/json', ...bearerHeaders(token) },
      body: JSON.stringify(content ? { name, content } : { name }),
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

/** A change to one document from the home page; throws with a readable reason when refused. */
async function changeRoom(name: string, token: string | null, init: RequestInit, what: string): Promise<void> {
  let response: Response
  try {
    response = await fetch(`/api/rooms/${encodeURIComponent(name)}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
      headers: { 'content-type': 'application/json', accept: 'application/json', ...bearerHeaders(token) },
    })
  } catch {
    throw new Error(`Could not ${what}: the server cannot be reached right now`)
  }
  if (response.ok) return
  const { message } = await readApiError(response)
  throw new Error(
    `Could not ${what}: ${response.status === 403 ? 'you may only read it' : (message ?? `the server answered ${response.status}`)}`,
  )
}

/** Delete document `name` for everyone (`DELETE /api/rooms/<name>`, write access). */
export function deleteRoom(name: string, token: string | null): Promise<void> {
  return changeRoom(name, token, { method: 'DELETE' }, `delete ${name}`)
}

/** Give document `name` the title `title`; empty goes back to its first heading (`PATCH`, write access). */
export function renameRoom(name: string, title: string, token: string | null): Promise<void> {
  return changeRoom(name, token, { method: 'PATCH', body: JSON.stringify({ title }) }, `rename ${name}`)
}
