import { describe, expect, it } from 'vitest'

import { looksLikeMarkdown } from './markdown-paste.js'

describe('looksLikeMarkdown', () => {
  it('recognises what only Markdown writes', () => {
    for (const text of [
      '# Title',
      '- one\n- two',
      '1. first\n2. second',
      '> quoted',
      '```\ncode\n```',
      'some **bold** words',
      'a [link](https://example.com)',
      'run `npm test`',
      '~~gone~~',
    ]) {
      expect(looksLikeMarkdown(text), text).toBe(true)
    }
  })

  it('leaves prose alone', () => {
    for (const text of ['Just a sentence.', 'Price: 5 * 3 = 15', '- a lone dash line', '#hashtag', 'C# and F#', '2020. A year.']) {
      expect(looksLikeMarkdown(text), text).toBe(false)
    }
  })
})
