import { describe, expect, it } from 'vitest'

import { sampleDocument } from './sample-document.test-support.js'
import { schema } from './schema.js'
import { toText } from './to-text.js'

describe('toText', () => {
  it('keeps the shape: blank lines between blocks, list markers, quotes, link targets, code as it is', () => {
    expect(toText(sampleDocument())).toBe(
      [
        'Plan <v1> & more',
        '',
        'Ship bold and slanted with the docs (https://example.com/docs?a=1&b=(2)), code() and gone.',
        '',
        '# not a heading',
        '',
        '- not a list, *not emphasis*, 1. not numbered, [not](a link) and \\ a backslash',
        '',
        '- one',
        '- two',
        '  - two and a half',
        '',
        '3. third',
        '4. fourth',
        '',
        '> quoted',
        '>',
        '> second line of the quote',
        '',
        'let x = 1',
        '# not a heading either',
        '  indented',
        '',
        '----------',
        '',
        'After',
        '',
        'first line',
        'second line',
        '',
      ].join('\n'),
    )
  })

  it('leaves out a link target the text already says', () => {
    const linked = (text: string, href: string) =>
      toText(
        schema.nodes.doc!.create(null, [
          schema.nodes.paragraph!.create(null, [schema.text(text, [schema.marks.link!.create({ href, title: null })])]),
        ]),
      )
    expect(linked('https://tandem.dev', 'https://tandem.dev')).toBe('https://tandem.dev\n')
    expect(linked('tandem.dev', 'https://tandem.dev')).toBe('tandem.dev\n')
    expect(linked('our site', 'https://tandem.dev')).toBe('our site (https://tandem.dev)\n')
    expect(linked('run me', 'javascript:alert(1)')).toBe('run me\n')
  })

  it('is empty for an empty document', () => {
    expect(toText(schema.nodes.doc!.createAndFill()!)).toBe('')
  })
})
