import { describe, expect, it } from 'vitest'

import { CloseCode, closeCodeName } from './close-code.js'

describe('close codes', () => {
  it('are unique and within the ranges a server may send: RFC 6455 and the IANA registry (1012-1014), or 4000-4999', () => {
    const codes = Object.values(CloseCode)
    expect(new Set(codes).size).toBe(codes.length)
    const sendable = (code: number): boolean =>
      (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 4000 && code <= 4999)
    for (const code of codes) expect(sendable(code), String(code)).toBe(true)
  })

  it('name themselves for logs', () => {
    expect(closeCodeName(CloseCode.InvalidUpdate)).toBe('InvalidUpdate')
    expect(closeCodeName(4999)).toBe('Unknown(4999)')
  })
})
