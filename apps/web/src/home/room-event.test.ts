import { describe, expect, it } from 'vitest'

import { namesPending } from './room-event.js'

const ann = { name: 'Ann', color: '#1d4ed8' }

describe('namesPending', () => {
  it('is true for a join that counts more connections than named people', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [], userCount: 0 })).toBe(true)
    expect(namesPending({ type: 'join', room: 'notes', connections: 3, users: [ann], userCount: 1 })).toBe(true)
  })

  it('counts everyone present by userCount, not by the capped list', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ name: `p${i}`, color: null }))
    expect(namesPending({ type: 'join', room: 'big', connections: 80, users: fifty, userCount: 80 })).toBe(false)
    expect(namesPending({ type: 'join', room: 'big', connections: 80, users: fifty, userCount: 79 })).toBe(true)
  })

  it('is false once everyone has a name, for other events, and for data that is not a room event', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [ann], userCount: 1 })).toBe(false)
    expect(namesPending({ type: 'leave', room: 'notes', connections: 1, users: [], userCount: 0 })).toBe(false)
    expect(namesPending({ type: 'activity', room: 'notes', connections: 2, users: [], userCount: 0 })).toBe(false)
    expect(namesPending({ type: 'deleted', room: 'notes' })).toBe(false)
    for (const data of [null, 'join', { type: 'join' }, { type: 'join', room: 'notes', connections: '2', users: [], userCount: 0 }])
      expect(namesPending(data)).toBe(false)
  })
})
