import { describe, expect, it } from 'vitest'

import type { AdminApi } from './admin-api.js'
import type { AdminRoom } from './admin-room-data.js'
import { fetchRoomPages } from './room-pages.js'

const room = (name: string): AdminRoom => ({
  name,
  title: '',
  connections: 0,
  users: [],
  bytes: 0,
  logRows: 0,
  createdAt: null,
  lastActivity: 1,
  loaded: false,
})

/** A server holding `names` in order, paging with an offset cursor as the real one does. */
function serverOf(names: () => string[]) {
  const requests: (string | undefined)[] = []
  const api: Pick<AdminApi, 'rooms'> = {
    rooms: async (_sort, limit, _search, cursor) => {
      requests.push(cursor)
      const all = names()
      const offset = cursor ? Number(cursor) : 0
      const next = offset + limit
      return { rooms: all.slice(offset, next).map(room), nextCursor: next < all.length ? String(next) : null, total: all.length }
    },
  }
  return { api, requests }
}

const sort = { key: 'lastActivity', order: 'desc' } as const

describe('fetchRoomPages', () => {
  it('follows the cursor for as many pages as asked, and stops at the last page', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `r${i}`)
    const { api, requests } = serverOf(() => names)
    expect(await fetchRoomPages(api, sort, '', 1, 3)).toEqual({ rooms: names.slice(0, 3).map(room), total: 7 })
    requests.length = 0
    expect((await fetchRoomPages(api, sort, '', 2, 3)).rooms.map((r) => r.name)).toEqual(names.slice(0, 6))
    expect(requests).toEqual([undefined, '3'])
    requests.length = 0
    expect((await fetchRoomPages(api, sort, '', 10, 3)).rooms).toHaveLength(7)
    expect(requests).toEqual([undefined, '3', '6'])
  })

  it('shows a room once when activity moves it onto the next page between two requests', async () => {
    let calls = 0
    const { api } = serverOf(() => (calls++ === 0 ? ['a', 'b', 'c', 'd'] : ['x', 'a', 'b', 'c', 'd']))
    const { rooms } = await fetchRoomPages(api, sort, '', 2, 2)
    expect(rooms.map((r) => r.name)).toEqual(['a', 'b', 'c'])
  })
})
