import { describe, expect, it } from 'vitest'

import { createRoomBodySchema, publishBodySchema, roomSummarySchema } from './http-api.js'
import { roomChannel, roomEventSchema } from './room-event.js'

describe('HTTP API schemas', () => {
  it('say what is wrong with a room name in words for the person who typed it', () => {
    const result = createRoomBodySchema.safeParse({ name: 'a b' })
    expect(result.success).toBe(false)
    expect(result.error!.issues.map((issue) => issue.message)).toEqual(['room name may only contain letters, digits, ".", "_" and "-"'])
    expect(createRoomBodySchema.safeParse({ name: 'ok', extra: 1 }).success).toBe(false)
    expect(roomSummarySchema.safeParse({ name: '../x', lastActivity: 0, connections: 0, users: [], userCount: 0, bytes: 0 }).success).toBe(
      false,
    )
  })

  it('take exactly one of channel or channels, and data', () => {
    expect(publishBodySchema.safeParse({ channel: 'a', data: null }).success).toBe(true)
    expect(publishBodySchema.safeParse({ channels: ['a', 'b'], data: { x: 1 } }).success).toBe(true)
    expect(publishBodySchema.safeParse({ channel: 'a', channels: ['b'], data: 1 }).success).toBe(false)
    expect(publishBodySchema.safeParse({ data: 1 }).success).toBe(false)
    expect(publishBodySchema.safeParse({ channel: 'a' }).error!.issues[0]!.message).toMatch(/"data" is required/)
  })

  it('read room events of every kind, on the room channel', () => {
    expect(roomChannel('notes')).toBe('room:notes')
    const join = { type: 'join', room: 'notes', connections: 2, users: [{ name: 'Ann', color: null }], userCount: 1 }
    expect(roomEventSchema.parse(join)).toEqual(join)
    expect(roomEventSchema.parse({ type: 'deleted', room: 'notes' })).toEqual({ type: 'deleted', room: 'notes' })
    expect(roomEventSchema.safeParse({ type: 'renamed', room: 'notes' }).success).toBe(false)
  })
})
