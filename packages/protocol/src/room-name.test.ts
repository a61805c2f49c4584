import { describe, expect, it } from 'vitest'

import { isValidRoomName, roomNameProblem } from './room-name.js'

describe('room names', () => {
  it('accepts 1-128 characters of [A-Za-z0-9._-]', () => {
    for (const name of ['a', 'Team-Notes_2026.v2', 'x'.repeat(128), '...', '0']) {
      expect(isValidRoomName(name), name).toBe(true)
      expect(roomNameProblem(name)).toBeNull()
    }
  })

  it('refuses empty, too long, and names with other characters, saying why', () => {
    expect(roomNameProblem('')).toMatch(/empty/)
    expect(roomNameProblem('x'.repeat(129))).toMatch(/longer than 128/)
    for (const name of ['a b', 'a/b', 'ä', '../etc', 'a%20b', 'a?b', 'tab\t']) {
      expect(isValidRoomName(name), name).toBe(false)
      expect(roomNameProblem(name)).toMatch(/may only contain/)
    }
  })
})
