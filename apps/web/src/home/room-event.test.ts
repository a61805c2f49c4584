import { describe, expect, it } from 'vitest'
import { namesPending } from './room-event.js'

describe('namesPending', () => {
  it('is true for a join that counts more connections than named people', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [] })).toBe(true)
    expect(namesPending({ type: 'join', room: 'notes', connections: 3, users: [{ name: 'Ann' }] })).toBe(true)
  })

  it('is false once everyone has a name, for other events, and for malformed data', () => {
    expect(namesPending({ type: 'join', room: 'notes', connections: 1, users: [{ name: 'Ann' }] })).toBe(false)
    expect(namesPending({ type: 'leave', room: 'notes', connections: 1, users: [] })).toBe(false)
    expect(namesPending({ type: 'activity', room: 'notes', connections: 2, users: [] })).toBe(false)
    for (const data of [null, 'join', { type: 'join' }, { type: 'join', connections: '2', users: [] }]) expect(namesPending(data)).toBe(false)
  })
})
