import { describe, expect, it } from 'vitest'

import { initials } from './avatar.js'

describe('initials', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initials('Curious Fox')).toBe('CF')
    expect(initials('  ada   king  lovelace ')).toBe('AL')
    expect(initials('grace')).toBe('G')
  })

  it('keeps a multi-unit first character whole and never returns an empty string', () => {
    expect(initials('émile zola')).toBe('ÉZ')
    expect(initials('🦊 Fox')).toBe('🦊F')
    expect(initials('   ')).toBe('?')
  })
})
