/**
 * The room table's pages: the console keeps the first few pages live, asking for each with the
 * previous page's cursor. Activity reorders rooms between two requests, so a room can come back on
 * a later page; it is shown once.
 */
import type { AdminApi } from './admin-api.js'
import type { AdminRoom } from './admin-room-data.js'
import type { RoomSort } from './room-order.js'

/** Rooms fetched per page of the table. */
export const ROOM_PAGE_SIZE = 100

/** The first `count` pages of the rooms matching `search`, in `sort` order, and how many match in all. */
export async function fetchRoomPages(
  api: Pick<AdminApi, 'rooms'>,
  sort: RoomSort,
  search: string,
  count: number,
  pageSize = ROOM_PAGE_SIZE,
): Promise<{ rooms: AdminRoom[]; total: number }> {
  const first = await api.rooms(sort, pageSize, search)
  const rooms = [...first.rooms]
  const names = new Set(rooms.map((room) => room.name))
  let cursor = first.nextCursor
  for (let page = 1; page < count && cursor !== null; page += 1) {
    const next = await api.rooms(sort, pageSize, search, cursor)
    for (const room of next.rooms) {
      if (names.has(room.name)) continue
      names.add(room.name)
      rooms.push(room)
    }
    cursor = next.nextCursor
  }
  return { rooms, total: first.total }
}
