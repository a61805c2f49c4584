/**
 * The list of documents people can open: everything stored plus rooms that are live but not yet
 * written, with who is in each right now. Read by the home page and, with more detail, the admin API.
 */
import type { DocumentStore } from '../storage/document-store.js'
import type { Room } from './room.js'
import type { RoomRegistry } from './room-registry.js'

/** A person present in a room, as their awareness state announces them. */
export interface PresentUser {
  name: string
  color: string | null
}

/** One document in the directory. Times are milliseconds since the epoch. */
export interface RoomSummary {
  name: string
  /** Last edit (or join, for a live room). */
  lastActivity: number
  /** Open connections. */
  connections: number
  /** Users present, from awareness, deduplicated by name and colour. */
  users: PresentUser[]
  /** Bytes stored (0 for a live room nothing was written to yet). */
  bytes: number
}

/** Users announced in a room's awareness states (`{ user: { name, color } }`, the y-prosemirror shape). */
export function presentUsers(room: Room): PresentUser[] {
  const seen = new Map<string, PresentUser>()
  for (const state of room.awareness.getStates().values()) {
    const user = (state as { user?: { name?: unknown; color?: unknown } }).user
    if (!user || typeof user.name !== 'string' || user.name.length === 0) continue
    const present = { name: user.name.slice(0, 80), color: typeof user.color === 'string' ? user.color.slice(0, 32) : null }
    seen.set(`${present.name}\u0000${present.color}`, present)
  }
  return [...seen.values()]
}

/** Everything known about one room, stored or live. Times are milliseconds since the epoch. */
export interface RoomRow extends RoomSummary {
  /** Rows in the update log, not yet compacted into the snapshot. */
  logRows: number
  /** When it was first stored, `null` for a live room nothing was written to yet. */
  createdAt: number | null
  /** Whether the room is held in memory. */
  loaded: boolean
}

/** Every stored or live room, in no particular order. */
export async function roomRows(store: DocumentStore, registry: RoomRegistry): Promise<RoomRow[]> {
  const rows = new Map<string, RoomRow>()
  for (const info of await store.list()) {
    rows.set(info.name, {
      name: info.name,
      lastActivity: info.updatedAt,
      connections: 0,
      users: [],
      bytes: info.bytes,
      logRows: info.logRows,
      createdAt: info.createdAt,
      loaded: false,
    })
  }
  for (const room of registry.loaded()) {
    const stored = rows.get(room.name)
    rows.set(room.name, {
      name: room.name,
      lastActivity: Math.max(room.lastActivity, stored?.lastActivity ?? 0),
      connections: room.peerCount,
      users: presentUsers(room),
      bytes: stored?.bytes ?? 0,
      logRows: stored?.logRows ?? 0,
      createdAt: stored?.createdAt ?? null,
      loaded: true,
    })
  }
  return [...rows.values()]
}

/** Every known room, most recently active first, as the public list shows it. */
export async function listRooms(store: DocumentStore, registry: RoomRegistry): Promise<RoomSummary[]> {
  return (await roomRows(store, registry))
    .map(({ name, lastActivity, connections, users, bytes }) => ({ name, lastActivity, connections, users, bytes }))
    .sort((a, b) => b.lastActivity - a.lastActivity || (a.name < b.name ? -1 : 1))
}
