import { describe, expect, it } from 'vitest'

import { parseRoomList } from './rooms-api.js'

describe('parseRoomList', () => {
  it('reads the server response', () => {
    const body = {
      rooms: [
        {
          name: 'team-notes',
          lastActivity: 1_700_000_000_000,
          connections: 2,
          users: [{ name: 'Ada', color: '#1d4ed8' }],
          userCount: 1,
          bytes: 120,
        },
        { name: 'empty', lastActivity: 1_600_000_000_000, connections: 0, users: [], userCount: 0, bytes: 0 },
      ],
    }
    expect(parseRoomList(body)).toEqual([
      {
        name: 'team-notes',
        title: '',
        lastActivity: 1_700_000_000_000,
        connections: 2,
        users: [{ name: 'Ada', color: '#1d4ed8' }],
        userCount: 1,
      },
      { name: 'empty', title: '', lastActivity: 1_600_000_000_000, connections: 0, users: [], userCount: 0 },
    ])
  })

  it('reads titles and search snippets', () => {
    const room = {
      name: 'plan',
      title: 'Quarterly plan',
      lastActivity: 1,
      connections: 0,
      users: [],
      userCount: 0,
      bytes: 0,
      snippet: 'we «hire»',
    }
    expect(parseRoomList({ rooms: [room] })).toEqual([
      { name: 'plan', title: 'Quarterly plan', lastActivity: 1, connections: 0, users: [], userCount: 0, snippet: 'we «hire»' },
    ])
  })

  it('keeps the count of everyone present when the list of names is capped', () => {
    const users = Array.from({ length: 50 }, (_, i) => ({ name: `p${i}`, color: '#1d4ed8' }))
    const [room] = parseRoomList({ rooms: [{ name: 'big', lastActivity: 1, connections: 80, users, userCount: 75, bytes: 0 }] })
    expect(room).toMatchObject({ userCount: 75 })
    expect(room!.users).toHaveLength(50)
  })

  it('leaves out rooms that do not match the schema, and paints odd colours in the fallback', () => {
    const ok = { name: 'ok', lastActivity: 5, connections: 1, users: [{ name: 'Grace', color: 'rgb(1,2,3)' }], userCount: 1, bytes: 3 }
    const body = {
      rooms: [
        { ...ok, name: '../etc' },
        { ...ok, name: 42 },
        null,
        { ...ok, connections: -1 },
        { ...ok, users: [{ name: '' }] },
        { name: 'partial', lastActivity: 1 },
        ok,
      ],
    }
    expect(parseRoomList(body)).toEqual([
      { name: 'ok', title: '', lastActivity: 5, connections: 1, users: [{ name: 'Grace', color: '#475569' }], userCount: 1 },
    ])
  })

  it('refuses a body that is not a room list', () => {
    expect(() => parseRoomList({ error: { code: 'x' } })).toThrow(/rooms/)
    expect(() => parseRoomList(null)).toThrow(/rooms/)
  })
})
