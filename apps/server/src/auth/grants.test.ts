import { describe, expect, it } from 'vitest'

import { channelGranted, grantCovers, roomAccessFromGrants } from './grants.js'

describe('grants', () => {
  it('gives the best matching room access, with * matching any run of characters', () => {
    const grants = { 'team-*': 'read', 'team-notes': 'write', 'x*y': 'write' } as const
    expect(roomAccessFromGrants(grants, 'team-notes')).toBe('write')
    expect(roomAccessFromGrants(grants, 'team-plans')).toBe('read')
    expect(roomAccessFromGrants(grants, 'xabcy')).toBe('write')
    expect(roomAccessFromGrants(grants, 'other')).toBeNull()
    // Regex characters in names are literal.
    expect(roomAccessFromGrants({ 'a.b': 'write' }, 'axb')).toBeNull()
    expect(roomAccessFromGrants({ '*': 'read' }, 'anything')).toBe('read')
  })

  it('allows a pattern subscription only when a grant covers all it could match', () => {
    expect(grantCovers('news', 'news')).toBe(true)
    expect(grantCovers('news*', 'news:sports')).toBe(true)
    expect(grantCovers('team:*', 'team:a*')).toBe(true)
    expect(grantCovers('team:a*', 'team:*')).toBe(false)
    expect(grantCovers('team:a', 'team:*')).toBe(false)
    expect(grantCovers('t*m:*', 'team:*')).toBe(false)
    expect(channelGranted(['a', 'b*'], 'bee')).toBe(true)
    expect(channelGranted([], 'a')).toBe(false)
  })
})
