/**
 * The admin API's room answers (`GET /api/admin/rooms[/<room>]`), read with the schemas the server
 * declares them with (`@tandem/protocol`). The console renders whatever comes back, so a room that
 * does not match is left out rather than shown as "undefined", and colours that are not hex colours
 * become the fallback before they reach a style.
 */
import {
  type AdminConnection as WireConnection,
  adminConnectionSchema,
  type AdminRoom as WireRoom,
  adminRoomSchema,
} from '@tandem/protocol'

import { identitiesOf, type Identity } from '../identity/identity.js'
import { FALLBACK_COLOR, isHexColor } from '../identity/palette.js'

/** One row of the room table, as the console shows it. Times are milliseconds since the epoch. */
export type AdminRoom = Omit<WireRoom, 'users' | 'userCount'> & { users: Identity[] }

/** One open connection of a room, its colour safe to paint. */
export type AdminConnection = Omit<WireConnection, 'color'> & { color: string }

/** A room with its open connections. */
export interface AdminRoomDetail extends AdminRoom {
  connectionsList: AdminConnection[]
}

/** One page of the room table. */
export interface AdminRoomPage {
  rooms: AdminRoom[]
  nextCursor: string | null
  /** Rooms matching the query, over every page. */
  total: number
}

const safeColor = (color: string | null): string => (isHexColor(color) ? color : FALLBACK_COLOR)

function toRoom(value: unknown): AdminRoom | null {
  // A server from before titles sends none: the name stands in.
  const parsed = adminRoomSchema.safeParse(typeof value === 'object' && value !== null ? { title: '', ...value } : value)
  if (!parsed.success) return null
  const { userCount: _userCount, users, ...room } = parsed.data
  return { ...room, users: identitiesOf(users) }
}

function toConnection(value: unknown): AdminConnection | null {
  const parsed = adminConnectionSchema.safeParse(value)
  if (!parsed.success) return null
  return { ...parsed.data, user: parsed.data.user === '' ? 'Unnamed connection' : parsed.data.user, color: safeColor(parsed.data.color) }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/**
 * Read a `GET /api/admin/rooms` body, keeping the rooms that match the schema.
 * @throws when the body has no `rooms` array.
 */
export function parseAdminRoomPage(body: unknown): AdminRoomPage {
  if (!isObject(body) || !Array.isArray(body.rooms)) throw new Error('the room table response has no "rooms" array')
  const rooms = body.rooms.map(toRoom).filter((room) => room !== null)
  const total = typeof body.total === 'number' && Number.isSafeInteger(body.total) ? Math.max(body.total, rooms.length) : rooms.length
  return { rooms, nextCursor: typeof body.nextCursor === 'string' && body.nextCursor !== '' ? body.nextCursor : null, total }
}

/**
 * Read a `GET /api/admin/rooms/<room>` body.
 * @throws when it is not a room.
 */
export function parseAdminRoomDetail(body: unknown): AdminRoomDetail {
  const room = toRoom(body)
  if (!room) throw new Error('the room detail response is not a room')
  const list = (body as { connectionsList?: unknown }).connectionsList
  const connectionsList = Array.isArray(list) ? list.map(toConnection).filter((connection) => connection !== null) : []
  return { ...room, connectionsList }
}
