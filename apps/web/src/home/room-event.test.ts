import { describe, expect, it } from 'vitest'

import { namesPending } from './room-event.js'

describe('namesPending', () => {
  it('is true for a join that counts more connections than named people', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [] })).toBe(true)
    expect(namesPending({ type: 'join', room: 'notes', connections: 3, users: [{ name: 'Ann' }] })).toBe(true)
    expect(namesPending({ type: 'join', room: 'notes', connections: 60, users: [{ name: 'Ann' }], userCount: 59 })).toBe(true)
  })

  it('counts everyone present by userCount, not by the capped list', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ name: `p${i}` }))
    expect(namesPending({ type: 'join', room: 'big', connections: 80, users: fifty, userCount: 80 })).toBe(false)
  })

  it('is false once everyone has a name, for other events, and for malformed data', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [{ name: 'Ann' }] })).toBe(false)
    expect(namesPending({ type: 'leave', room: 'notes', connections: 1, users: [] })).toBe(false)
    expect(namesPending({ type: 'activity', room: 'notes', connections: 2, users: [] })).toBe(false)
    for (const data of [null, 'join', { type: 'join' }, { type: 'join', connections: '2', users: [] }])
      expect(namesPending(data)).toBe(false)
  })
})
