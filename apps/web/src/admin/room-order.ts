/**
 * Search and sort of the room table. The server sorts too (`sort`/`order`), but the table applies the
 * same order to what it holds, so a click on a column header answers at once instead of after the
 * next fetch; comparing exactly as the server does keeps rows from jumping when its answer lands.
 */
import type { AdminRoom } from './admin-room-data.js'

/** Columns the table sorts by; the same keys as the server's `sort` parameter. */
export type RoomSortKey = 'name' | 'connections' | 'bytes' | 'lastActivity'

/** A column and a direction. */
export interface RoomSort {
  key: RoomSortKey
  order: 'asc' | 'desc'
}

/** Most recently active first, as an administrator usually wants to see what is going on. */
export const DEFAULT_ROOM_SORT: RoomSort = { key: 'lastActivity', order: 'desc' }

/** The sort after clicking column `key`: the same column flips; a new one starts A→Z for names, largest first otherwise. */
export function nextRoomSort(current: RoomSort, key: RoomSortKey): RoomSort {
  if (current.key === key) return { key, order: current.order === 'asc' ? 'desc' : 'asc' }
  return { key, order: key === 'name' ? 'asc' : 'desc' }
}

/** Whether room `name` matches what was typed in the search box: any part of the name, ignoring case. */
export function matchesRoomSearch(name: string, query: string): boolean {
  const needle = query.trim().toLowerCase()
  return needle === '' || name.toLowerCase().includes(needle)
}

// Code-unit order, as the server compares (`a < b`), not localeCompare.
const byName = (a: AdminRoom, b: AdminRoom): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** A sorted copy of `rooms`; ties are broken by name, A→Z. */
export function sortRooms(rooms: readonly AdminRoom[], sort: RoomSort): AdminRoom[] {
  const direction = sort.order === 'asc' ? 1 : -1
  return [...rooms].sort((a, b) => {
    const x = a[sort.key]
    const y = b[sort.key]
    return (x < y ? -1 : x > y ? 1 : 0) * direction || byName(a, b)
  })
}

/** The rows the table shows: the rooms matching `query`, in `sort` order. */
export function visibleRooms(rooms: readonly AdminRoom[], query: string, sort: RoomSort): AdminRoom[] {
  return sortRooms(
    rooms.filter((room) => matchesRoomSearch(room.name, query)),
    sort,
  )
}
