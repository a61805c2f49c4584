import { isValidRoomName } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { readableRoomName } from './readable-room-name.js'

describe('readableRoomName', () => {
  it('makes adjective-animal-number names', () => {
    expect(readableRoomName(() => 0)).toBe('amber-otter-10')
    expect(readableRoomName(() => 0.9999)).toBe('witty-yak-99')
  })

  it('only makes valid room names, and rarely the same one twice', () => {
    const names = Array.from({ length: 200 }, () => readableRoomName())
    for (const name of names) expect(isValidRoomName(name), name).toBe(true)
    expect(new Set(names).size).toBeGreaterThan(150)
  })
})
