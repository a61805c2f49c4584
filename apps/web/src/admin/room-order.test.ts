import { describe, expect, it } from 'vitest'

import type { AdminRoom } from './admin-room-data.js'
import { matchesRoomSearch, nextRoomSort, sortRooms, visibleRooms } from './room-order.js'

function room(name: string, fields: Partial<AdminRoom> = {}): AdminRoom {
  return { name, title: '', connections: 0, users: [], bytes: 0, logRows: 0, createdAt: null, lastActivity: 0, loaded: false, ...fields }
}

const rooms = [
  room('beta', { connections: 2, bytes: 10, lastActivity: 300 }),
  room('Alpha', { connections: 0, bytes: 500, lastActivity: 100 }),
  room('gamma-notes', { connections: 2, bytes: 40, lastActivity: 200 }),
  room('alpha-2', { connections: 5, bytes: 40, lastActivity: 300 }),
]
const names = (list: AdminRoom[]): string[] => list.map((entry) => entry.name)

describe('sortRooms', () => {
  it('sorts by each column in both directions, breaking ties by name', () => {
    expect(names(sortRooms(rooms, { key: 'connections', order: 'desc' }))).toEqual(['alpha-2', 'beta', 'gamma-notes', 'Alpha'])
    expect(names(sortRooms(rooms, { key: 'bytes', order: 'asc' }))).toEqual(['beta', 'alpha-2', 'gamma-notes', 'Alpha'])
    expect(names(sortRooms(rooms, { key: 'lastActivity', order: 'desc' }))).toEqual(['alpha-2', 'beta', 'gamma-notes', 'Alpha'])
  })

  it('orders names the way the server does (code units, capitals first)', () => {
    expect(names(sortRooms(rooms, { key: 'name', order: 'asc' }))).toEqual(['Alpha', 'alpha-2', 'beta', 'gamma-notes'])
    expect(names(sortRooms(rooms, { key: 'name', order: 'desc' }))).toEqual(['gamma-notes', 'beta', 'alpha-2', 'Alpha'])
  })

  it('leaves its input alone', () => {
    sortRooms(rooms, { key: 'name', order: 'asc' })
    expect(names(rooms)).toEqual(['beta', 'Alpha', 'gamma-notes', 'alpha-2'])
  })
})

describe('room search', () => {
  it('matches any part of the name, ignoring case and surrounding spaces', () => {
    expect(matchesRoomSearch('gamma-notes', 'NOTES ')).toBe(true)
    expect(matchesRoomSearch('gamma-notes', 'gam')).toBe(true)
    expect(matchesRoomSearch('gamma-notes', 'beta')).toBe(false)
    expect(matchesRoomSearch('anything', '   ')).toBe(true)
  })

  it('filters, then sorts', () => {
    expect(names(visibleRooms(rooms, 'alpha', { key: 'bytes', order: 'desc' }))).toEqual(['Alpha', 'alpha-2'])
    expect(visibleRooms(rooms, 'zzz', { key: 'name', order: 'asc' })).toEqual([])
  })
})

describe('nextRoomSort', () => {
  it('flips the direction of the current column', () => {
    expect(nextRoomSort({ key: 'bytes', order: 'desc' }, 'bytes')).toEqual({ key: 'bytes', order: 'asc' })
    expect(nextRoomSort({ key: 'bytes', order: 'asc' }, 'bytes')).toEqual({ key: 'bytes', order: 'desc' })
  })

  it('starts names A→Z and numbers largest first', () => {
    expect(nextRoomSort({ key: 'bytes', order: 'asc' }, 'name')).toEqual({ key: 'name', order: 'asc' })
    expect(nextRoomSort({ key: 'name', order: 'asc' }, 'connections')).toEqual({ key: 'connections', order: 'desc' })
  })
})
