import { describe, expect, it } from 'vitest'

import { sampleDocument, underlined } from './sample-document.test-support.js'
import { markdownParser, toMarkdown } from './to-markdown.js'

describe('toMarkdown', () => {
  it('reads back as the same document', () => {
    const doc = sampleDocument()
    const markdown = toMarkdown(doc)
    expect(markdownParser.parse(markdown)?.toJSON()).toEqual(doc.toJSON())
  })

  it('escapes text that Markdown would read as structure', () => {
    const markdown = toMarkdown(sampleDocument())
    expect(markdown).toContain('\n\\# not a heading\n')
    expect(markdown).toContain('\n\\- not a list, \\*not emphasis\\*, 1. not numbered, \\[not\\](a link) and \\\\ a backslash\n')
    expect(
      markdownParser.parse(
        toMarkdown(
          markdownParser.schema.node('doc', null, [
            markdownParser.schema.node('paragraph', null, [markdownParser.schema.text('&amp; <https://x.dev>')]),
          ]),
        ),
      )?.textContent,
    ).toBe('&amp; <https://x.dev>')
    // Before: a hand-written writer left these as they were, so the paragraph came back as a heading.
    expect(markdownParser.parse('# not a heading')?.firstChild?.type.name).toBe('heading')
  })

  it('writes lists, quotes, code, a divider and a line break the CommonMark way', () => {
    const markdown = toMarkdown(sampleDocument())
    expect(markdown).toContain('- one\n- two\n  - two and a half\n')
    expect(markdown).toContain('3. third\n4. fourth\n')
    expect(markdown).toContain('> quoted\n>\n> second line of the quote\n')
    expect(markdown).toContain('```\nlet x = 1\n# not a heading either\n  indented\n```\n')
    expect(markdown).toContain('\n---\n')
    expect(markdown).toContain('first line\\\nsecond line\n')
    expect(
      markdown.startsWith(
        '# Plan \\<v1> \\& more\n\nShip **bold** and *slanted* with [the docs](https://example.com/docs?a=1&b=\\(2\\)), `code()` and ~~gone~~.\n',
      ),
    ).toBe(true)
  })

  it('writes a link the editor would not follow as its text alone, and completes a bare domain', () => {
    const { schema } = markdownParser
    const linked = (href: string) =>
      schema.node('doc', null, [schema.node('paragraph', null, [schema.text('here', [schema.marks.link!.create({ href, title: null })])])])
    expect(toMarkdown(linked('javascript:alert(1)'))).toBe('here\n')
    expect(toMarkdown(linked('tandem.dev'))).toBe('[here](https://tandem.dev)\n')
  })

  it('escapes line-start markers after a line break too', () => {
    const { schema } = markdownParser
    const doc = schema.node('doc', null, [
      schema.node('paragraph', null, [
        schema.text('intro'),
        schema.node('hard_break'),
        schema.text('> not a quote'),
        schema.node('hard_break'),
        schema.text('# nor a heading', [schema.marks.strong!.create()]),
      ]),
      schema.node('paragraph', null, [schema.text('<\n> - and a newline in the text')]),
    ])
    const readBack = markdownParser.parse(toMarkdown(doc))
    expect(readBack.childCount).toBe(2)
    expect(readBack.child(0).textContent).toBe('intro> not a quote# nor a heading')
    expect(readBack.child(1).textContent).toBe('<> - and a newline in the text')
  })

  it('writes a line break in a heading as a space, a heading being one line', () => {
    const { schema } = markdownParser
    const doc = schema.node('doc', null, [
      schema.node('heading', { level: 2 }, [schema.text('Two'), schema.node('hard_break'), schema.text('lines')]),
    ])
    expect(toMarkdown(doc)).toBe('## Two lines\n')
  })

  it('writes underline as HTML, having no Markdown of its own', () => {
    expect(toMarkdown(underlined())).toBe('plain <u>under</u>\n')
  })
})
