/** The room table of the admin console: stored and live rooms, filtered, sorted and paged. */
import type { AdminConnection, AdminRoom, AdminRoomPage, RoomSortKey } from '@tandem/protocol'

import { identityLabel } from '../auth/identity.js'
import type { RoomRegistry } from '../rooms/room-registry.js'

/** Filter by name prefix and/or case-insensitive substring `q`, sort, and cut one page; `cursor` is the opaque value of a previous `nextCursor`. */
export function pageRooms(
  rooms: AdminRoom[],
  options: { prefix?: string; q?: string; sort: RoomSortKey; order: 'asc' | 'desc'; limit: number; cursor?: string },
): AdminRoomPage {
  const needle = options.q?.toLowerCase()
  const filtered = rooms.filter(
    (room) => (!options.prefix || room.name.startsWith(options.prefix)) && (!needle || room.name.toLowerCase().includes(needle)),
  )
  const direction = options.order === 'asc' ? 1 : -1
  filtered.sort((a, b) => {
    const x = a[options.sort]
    const y = b[options.sort]
    const primary = x < y ? -1 : x > y ? 1 : 0
    return primary * direction || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  })
  const offset = options.cursor ? Number(Buffer.from(options.cursor, 'base64url').toString()) || 0 : 0
  const page = filtered.slice(offset, offset + options.limit)
  const next = offset + page.length
  return {
    rooms: page,
    nextCursor: next < filtered.length ? Buffer.from(String(next)).toString('base64url') : null,
    total: filtered.length,
  }
}

/** The connections of a live room. */
export function adminConnections(registry: RoomRegistry, name: string): AdminConnection[] {
  const room = registry.get(name)
  if (!room) return []
  return [...room.peers()].map((peer) => ({
    id: peer.id,
    user: peer.identity.kind === 'user' ? peer.identity.name : (room.announcedName(peer) ?? identityLabel(peer.identity)),
    userId: peer.identity.kind === 'user' ? peer.identity.id : null,
    readOnly: peer.access === 'read',
    color: (peer.identity.kind === 'user' ? peer.identity.color : null) ?? room.announcedColor(peer),
    connectedAt: peer.connectedAt ?? null,
    address: peer.address ?? null,
  }))
}
