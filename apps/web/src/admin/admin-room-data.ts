/**
 * The shapes of the admin API's room answers (`GET /api/admin/rooms[/<room>]`), read defensively:
 * the console renders whatever comes back, so malformed fields become safe defaults here, not
 * "undefined" or "NaN" in a cell.
 */
import { isValidRoomName } from '@tandem/protocol'

import type { Identity } from '../identity/identity.js'
import { FALLBACK_COLOR, isHexColor } from '../identity/palette.js'

/** One row of the room table. Times are milliseconds since the epoch. */
export interface AdminRoom {
  name: string
  /** Open document connections. */
  connections: number
  /** People present, from awareness, deduplicated by name and colour. */
  users: Identity[]
  /** Bytes stored. */
  bytes: number
  /** Stored update rows not yet compacted into the snapshot. */
  logRows: number
  createdAt: number | null
  lastActivity: number
  /** Held in the server's memory (someone is connected or was recently). */
  loaded: boolean
}

/** One open connection of a room. */
export interface AdminConnection {
  id: string
  /** The name the connection announced, or its verified user name in secure mode. */
  user: string
  /** The token's user id in secure mode, `null` for anonymous connections. */
  userId: string | null
  readOnly: boolean
  connectedAt: number | null
  address: string | null
  /** The colour this connection announced (or its token gives), as the server reports it. */
  color: string
}

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

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0)
const time = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null)
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

function parseUsers(value: unknown): Identity[] {
  if (!Array.isArray(value)) return []
  return value
    .filter((user): user is Fields => isObject(user) && typeof user.name === 'string' && user.name.trim() !== '')
    .map((user) => ({ name: String(user.name).trim(), color: isHexColor(user.color) ? user.color : FALLBACK_COLOR }))
}

function parseRoom(value: unknown): AdminRoom | null {
  if (!isObject(value) || typeof value.name !== 'string' || !isValidRoomName(value.name)) return null
  return {
    name: value.name,
    connections: count(value.connections),
    users: parseUsers(value.users),
    bytes: count(value.bytes),
    logRows: count(value.logRows),
    createdAt: time(value.createdAt),
    lastActivity: time(value.lastActivity) ?? 0,
    loaded: value.loaded === true,
  }
}

function parseConnection(value: unknown): AdminConnection | null {
  if (!isObject(value) || typeof value.id !== 'string') return null
  return {
    id: value.id,
    user: text(value.user) ?? 'Unnamed connection',
    userId: text(value.userId),
    readOnly: value.readOnly === true,
    connectedAt: time(value.connectedAt),
    address: text(value.address),
    color: isHexColor(value.color) ? value.color : FALLBACK_COLOR,
  }
}

/**
 * Read a `GET /api/admin/rooms` body, keeping the well-formed rooms.
 * @throws when the body has no `rooms` array.
 */
export function parseAdminRoomPage(body: unknown): AdminRoomPage {
  if (!isObject(body) || !Array.isArray(body.rooms)) throw new Error('the room table response has no "rooms" array')
  const rooms = body.rooms.map(parseRoom).filter((room) => room !== null)
  return { rooms, nextCursor: text(body.nextCursor), total: Math.max(count(body.total), rooms.length) }
}

/**
 * Read a `GET /api/admin/rooms/<room>` body.
 * @throws when it is not a room.
 */
export function parseAdminRoomDetail(body: unknown): AdminRoomDetail {
  const room = parseRoom(body)
  if (!room) throw new Error('the room detail response is not a room')
  const list = (body as Fields).connectionsList
  const connectionsList = Array.isArray(list) ? list.map(parseConnection).filter((connection) => connection !== null) : []
  return { ...room, connectionsList }
}
