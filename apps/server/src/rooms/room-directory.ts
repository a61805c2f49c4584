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

/** Every known room, most recently active first. */
export async function listRooms(store: DocumentStore, registry: RoomRegistry): Promise<RoomSummary[]> {
  const summaries = new Map<string, RoomSummary>()
  for (const info of await store.list()) {
    summaries.set(info.name, { name: info.name, lastActivity: info.updatedAt, connections: 0, users: [], bytes: info.bytes })
  }
  for (const room of registry.loaded()) {
    const stored = summaries.get(room.name)
    summaries.set(room.name, {
      name: room.name,
      lastActivity: Math.max(room.lastActivity, stored?.lastActivity ?? 0),
      connections: room.peerCount,
      users: presentUsers(room),
      bytes: stored?.bytes ?? 0,
    })
  }
  return [...summaries.values()].sort((a, b) => b.lastActivity - a.lastActivity || (a.name < b.name ? -1 : 1))
}
