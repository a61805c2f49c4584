import { describe, expect, it } from 'vitest'

import { parseAdminRoomDetail, parseAdminRoomPage } from './admin-room-data.js'

const row = {
  name: 'team-notes',
  connections: 2,
  users: [{ name: 'Ada', color: '#1d4ed8' }],
  userCount: 1,
  bytes: 1234,
  logRows: 7,
  createdAt: 1_700_000_000_000,
  lastActivity: 1_700_000_100_000,
  loaded: true,
}

describe('parseAdminRoomPage', () => {
  it('reads the server answer', () => {
    expect(parseAdminRoomPage({ rooms: [row], nextCursor: 'NTA', total: 51 })).toEqual({
      rooms: [
        {
          name: 'team-notes',
          title: '',
          connections: 2,
          users: [{ name: 'Ada', color: '#1d4ed8' }],
          bytes: 1234,
          logRows: 7,
          createdAt: 1_700_000_000_000,
          lastActivity: 1_700_000_100_000,
          loaded: true,
        },
      ],
      nextCursor: 'NTA',
      total: 51,
    })
  })

  it('leaves out rooms that do not match the schema, and paints odd colours in the fallback', () => {
    const page = parseAdminRoomPage({
      rooms: [
        { ...row, name: '../x' },
        null,
        { ...row, name: 'negative', connections: -1 },
        { ...row, name: 'text', bytes: 'big' },
        { ...row, name: 'nan', lastActivity: Number.NaN },
        { ...row, name: 'ok', createdAt: null, users: [{ name: 'Bo', color: 'red' }], loaded: false },
      ],
      nextCursor: null,
    })
    expect(page).toEqual({
      rooms: [
        {
          name: 'ok',
          title: '',
          connections: 2,
          users: [{ name: 'Bo', color: '#475569' }],
          bytes: 1234,
          logRows: 7,
          createdAt: null,
          lastActivity: 1_700_000_100_000,
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
        { id: 'c3', user: 'no colour', userId: null, readOnly: false, connectedAt: null, address: null, color: null },
        { user: 'no id' },
      ],
    })
    expect(detail.connectionsList).toEqual([
      // Each connection's own colour, as the server reports it; anything but a hex colour falls back.
      { id: 'c1', user: 'Ada', userId: null, readOnly: false, connectedAt: 1_700_000_050_000, address: '10.0.0.7', color: '#0e7490' },
      { id: 'c2', user: 'Unnamed connection', userId: 'u-9', readOnly: true, connectedAt: null, address: null, color: '#475569' },
      { id: 'c3', user: 'no colour', userId: null, readOnly: false, connectedAt: null, address: null, color: '#475569' },
    ])
    expect(detail).toMatchObject({ name: 'team-notes', connections: 2, loaded: true })
  })

  it('refuses a body that is not a room', () => {
    expect(() => parseAdminRoomDetail({ error: { code: 'not_found' } })).toThrow(/not a room/)
  })
})
