import { describe, expect, it } from 'vitest'

import { parseAdminRoomDetail, parseAdminRoomPage } from './admin-room-data.js'

const row = {
  name: 'team-notes',
  connections: 2,
  users: [{ name: 'Ada', color: '#1d4ed8' }],
  bytes: 1234,
  logRows: 7,
  createdAt: 1_700_000_000_000,
  lastActivity: 1_700_000_100_000,
  loaded: true,
}

describe('parseAdminRoomPage', () => {
  it('reads the server answer', () => {
    expect(parseAdminRoomPage({ rooms: [row], nextCursor: 'NTA', total: 51 })).toEqual({
      rooms: [{ ...row, users: [{ name: 'Ada', color: '#1d4ed8' }] }],
      nextCursor: 'NTA',
      total: 51,
    })
  })

  it('drops rooms with unusable names and replaces malformed fields with safe values', () => {
    const page = parseAdminRoomPage({
      rooms: [
        { name: '../x' },
        null,
        {
          name: 'ok',
          connections: -1,
          bytes: 'big',
          createdAt: null,
          lastActivity: Number.NaN,
          users: [{ name: ' ' }, { name: 'Bo', color: 'red' }],
          loaded: 'yes',
        },
      ],
      nextCursor: null,
    })
    expect(page).toEqual({
      rooms: [
        {
          name: 'ok',
          connections: 0,
          users: [{ name: 'Bo', color: '#475569' }],
          bytes: 0,
          logRows: 0,
          createdAt: null,
          lastActivity: 0,
          loaded: false,
        },
      ],
      nextCursor: null,
      total: 1,
    })
  })

  it('refuses a body that is not a room table', () => {
    expect(() => parseAdminRoomPage({ error: { code: 'unauthorized' } })).toThrow(/rooms/)
  })
})

describe('parseAdminRoomDetail', () => {
  it('reads the room and its connections', () => {
    const detail = parseAdminRoomDetail({
      ...row,
      connectionsList: [
        { id: 'c1', user: 'Ada', userId: null, readOnly: false, connectedAt: 1_700_000_050_000, address: '10.0.0.7', color: '#0e7490' },
        { id: 'c2', user: '', userId: 'u-9', readOnly: true, connectedAt: null, address: null, color: 'red; background: url(x)' },
        { user: 'no id' },
      ],
    })
    expect(detail.connectionsList).toEqual([
      // Each connection's own colour, as the server reports it; anything but a hex colour falls back.
      { id: 'c1', user: 'Ada', userId: null, readOnly: false, connectedAt: 1_700_000_050_000, address: '10.0.0.7', color: '#0e7490' },
      { id: 'c2', user: 'Unnamed connection', userId: 'u-9', readOnly: true, connectedAt: null, address: null, color: '#475569' },
    ])
    expect(detail).toMatchObject({ name: 'team-notes', connections: 2, loaded: true })
  })

  it('refuses a body that is not a room', () => {
    expect(() => parseAdminRoomDetail({ error: { code: 'not_found' } })).toThrow(/not a room/)
  })
})
