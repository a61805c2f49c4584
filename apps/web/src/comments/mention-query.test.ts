import { mentionsIn } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { matchCandidates, mentionQuery, uniquePeople } from './mention-query.js'

describe('mentionQuery', () => {
  it('finds the @word at the caret', () => {
    expect(mentionQuery('hello @Bo', 9)).toEqual({ start: 6, query: 'Bo' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('hello @Bob and', 14)).toBeNull()
    expect(mentionQuery('mail@example', 12)).toBeNull()
    expect(mentionQuery('hello @Bob and', 10)).toEqual({ start: 6, query: 'Bob' })
  })
})

describe('matchCandidates', () => {
  const people = [
    { id: 'b', name: 'Bob Stone', color: null },
    { id: 'a', name: 'Anna Bell', color: null },
    { id: 'c', name: 'Carl', color: null },
  ]
  it('ranks names starting with the query before words starting with it', () => {
    expect(matchCandidates(people, 'b').map((p) => p.id)).toEqual(['b', 'a'])
    expect(matchCandidates(people, '').map((p) => p.id)).toEqual(['a', 'b', 'c'])
    expect(matchCandidates(people, 'zz')).toEqual([])
  })
  it('drops repeats and oneself', () => {
    const list = uniquePeople([...people, { id: 'b', name: 'Bob again', color: null }, { id: 'me', name: 'Me', color: null }], 'me', 'Me')
    expect(list.map((p) => p.id)).toEqual(['b', 'a', 'c'])
  })
})

describe('mentionsIn (mention extraction)', () => {
  it('keeps the picked people whose @Name is still in the text, once each', () => {
    const picked = [
      { id: 'b', name: 'Bob' },
      { id: 'c', name: 'Carl' },
      { id: 'b', name: 'Bob' },
    ]
    expect(mentionsIn('@Bob, have a look', picked)).toEqual([{ id: 'b', name: 'Bob' }])
    expect(mentionsIn('@Bob and @Carl', picked)).toEqual([
      { id: 'b', name: 'Bob' },
      { id: 'c', name: 'Carl' },
    ])
    expect(mentionsIn('nobody', picked)).toEqual([])
  })
})
