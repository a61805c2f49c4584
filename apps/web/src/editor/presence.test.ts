import { describe, expect, it } from 'vitest'

import { presentPeople } from './presence.js'

describe('presentPeople', () => {
  it('lists yourself first, then others in the order they arrived', () => {
    const states = new Map<number, Record<string, unknown>>([
      [7, { user: { name: 'Brave Otter', color: '#1d4ed8' } }],
      [3, { user: { name: 'Curious Fox', color: '#b91c1c' }, cursor: null }],
      [9, { user: { name: 'Me', color: '#047857' } }],
    ])
    expect(presentPeople(states, 9)).toEqual([
      { name: 'Me', color: '#047857', isSelf: true },
      { name: 'Brave Otter', color: '#1d4ed8', isSelf: false },
      { name: 'Curious Fox', color: '#b91c1c', isSelf: false },
    ])
  })

  it('shows one person with two tabs once, and skips states without a user', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: 'Ada', color: '#1d4ed8' } }],
      [2, { user: { name: 'Ada', color: '#1d4ed8' } }],
      [3, {}],
      [4, { user: { name: '   ' } }],
      [5, { user: { name: 'Grace', color: 'hotpink' } }],
    ])
    expect(presentPeople(states, 99)).toEqual([
      { name: 'Ada', color: '#1d4ed8', isSelf: false },
      { name: 'Grace', color: '#475569', isSelf: false },
    ])
  })
})
