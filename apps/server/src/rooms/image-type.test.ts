import { describe, expect, it } from 'vitest'

import { imageTypeOf } from './image-type.js'

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...part].map((char) => char.charCodeAt(0)) : part)))

describe('imageTypeOf', () => {
  it('tells the accepted types by their first bytes', () => {
    expect(imageTypeOf(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png')
    expect(imageTypeOf(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(imageTypeOf(bytes('GIF89a', [1, 0]))).toBe('image/gif')
    expect(imageTypeOf(bytes('GIF87a'))).toBe('image/gif')
    expect(imageTypeOf(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toBe('image/webp')
  })

  it('refuses SVG, HTML and anything cut short or merely named like an image', () => {
    expect(imageTypeOf(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(imageTypeOf(bytes('<?xml version="1.0"?><svg/>'))).toBeNull()
    expect(imageTypeOf(bytes('<html><script>alert(1)</script>'))).toBeNull()
    expect(imageTypeOf(bytes([0x89], 'PN'))).toBeNull()
    expect(imageTypeOf(bytes('RIFF', [0, 0, 0, 0], 'WAVE'))).toBeNull()
    expect(imageTypeOf(new Uint8Array())).toBeNull()
  })
})
