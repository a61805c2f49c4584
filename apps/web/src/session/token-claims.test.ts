import { describe, expect, it } from 'vitest'

import { tokenClaims, tokenSubject } from './token-claims.js'

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('tokenSubject', () => {
  it('reads the subject of a token, whatever its signature', () => {
    expect(tokenSubject(`${encode({ alg: 'HS256' })}.${encode({ sub: 'ünï-42', name: 'X' })}.sig`)).toBe('ünï-42')
  })

  it('answers null for no token, garbage and tokens without a subject', () => {
    for (const token of [null, '', 'a', 'a.b.c', `x.${encode({ name: 'no sub' })}.y`, `x.${encode({ sub: 7 })}.y`, `x.${encode(null)}.y`]) {
      expect(tokenSubject(token)).toBeNull()
    }
  })
})

describe('tokenClaims', () => {
  it('reads name and colour, the subject standing in for a missing name', () => {
    expect(tokenClaims(`h.${encode({ sub: 'ann', name: 'Ann', color: '#e11d48' })}.s`)).toEqual({
      sub: 'ann',
      name: 'Ann',
      color: '#e11d48',
    })
    expect(tokenClaims(`h.${encode({ sub: 'bob' })}.s`)).toEqual({ sub: 'bob', name: 'bob', color: null })
  })
})
