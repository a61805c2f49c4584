import { describe, expect, it } from 'vitest'

import { safeHref } from './safe-href.js'

describe('safeHref', () => {
  it('keeps web, mail and phone links', () => {
    expect(safeHref('https://example.com/a?b=1#c')).toBe('https://example.com/a?b=1#c')
    expect(safeHref('  http://example.com ')).toBe('http://example.com')
    expect(safeHref('mailto:ada@example.com')).toBe('mailto:ada@example.com')
    expect(safeHref('tel:+441234')).toBe('tel:+441234')
  })

  it('completes a link typed without a scheme', () => {
    expect(safeHref('example.com/docs')).toBe('https://example.com/docs')
  })

  it('refuses script, data and other schemes, and empty or broken input', () => {
    for (const href of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,<b>x</b>',
      'vbscript:x',
      'file:///etc/passwd',
      '',
      '   ',
      'https://',
    ]) {
      expect(safeHref(href), href).toBeNull()
    }
  })
})
