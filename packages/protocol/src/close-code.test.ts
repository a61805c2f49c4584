import { describe, expect, it } from 'vitest'

import { CloseCode, closeCodeName } from './close-code.js'

describe('close codes', () => {
  it('are unique and within the ranges RFC 6455 allows a server to send', () => {
    const codes = Object.values(CloseCode)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect((code >= 1000 && code <= 1011) || (code >= 4000 && code <= 4999), String(code)).toBe(true)
  })

  it('name themselves for logs', () => {
    expect(closeCodeName(CloseCode.InvalidUpdate)).toBe('InvalidUpdate')
    expect(closeCodeName(4999)).toBe('Unknown(4999)')
  })
})
