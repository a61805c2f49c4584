import { describe, expect, it } from 'vitest'

import { importDocument, nodeCount } from './import-document.js'
import { toHtml } from './to-html.js'

describe('importDocument', () => {
  it('reads Markdown with its formatting, keeping raw HTML as text', () => {
    const doc = importDocument('markdown', '# Plan\n\nShip **now**, ~~later~~.\n\n- one\n- two\n\n<script>alert(1)</script>\n')
    expect(doc.toJSON()).toMatchObject({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ text: 'Plan' }] },
        {
          type: 'paragraph',
          content: [
            { text: 'Ship ' },
            { text: 'now', marks: [{ type: 'strong' }] },
            { text: ', ' },
            { text: 'later', marks: [{ type: 'strike' }] },
            { text: '.' },
          ],
        },
        { type: 'bullet_list' },
        { type: 'paragraph', content: [{ text: '<script>alert(1)</script>' }] },
      ],
    })
    expect(toHtml(doc, 'x')).not.toContain('<script>')
  })

  it('turns each line of plain text into a paragraph', () => {
    expect(importDocument('text', 'first\r\n\r\nthird\n\n').toJSON()).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'first' }] },
        { type: 'paragraph' },
        { type: 'paragraph', content: [{ type: 'text', text: 'third' }] },
      ],
    })
  })

  it('drops links to anything but web, mail and phone addresses, keeping their text', () => {
    const json = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'bad', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
            { type: 'text', text: ' good', marks: [{ type: 'link', attrs: { href: 'https://example.com' } }] },
          ],
        },
        { type: 'script', content: [{ type: 'text', text: 'kept as text' }] },
      ],
    }
    const doc = importDocument('json', json)
    expect(doc.toJSON()).toEqual({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'bad' },
            { type: 'text', text: ' good', marks: [{ type: 'link', attrs: { href: 'https://example.com', title: null } }] },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'kept as text' }] },
      ],
    })
    // markdown-it leaves such a link as its text; no link mark comes out of it either way.
    const markdownLink = importDocument('markdown', '[x](javascript:alert(1)) [y](https://example.com)')
    const linked: string[] = []
    markdownLink.descendants((node) => {
      if (node.marks.some((mark) => mark.type.name === 'link')) linked.push(String(node.marks[0]!.attrs.href))
    })
    expect(linked).toEqual(['https://example.com'])
    // The document, two paragraphs and three text nodes.
    expect(nodeCount(doc)).toBe(6)
  })
})
